"""A rate limiter shared by every worker, kept in DynamoDB: at most N requests in any one second.

It hands out send times ("slots") at least ``1000 / N`` ms plus a margin apart, from one item
holding the next free slot, moved forward with conditional writes (optimistic locking), so the
limit holds across processes and Lambda invocations. A sender sleeps until its slot and sends
only if it woke within ``tolerance_ms`` of it (otherwise it takes a new slot), on a connection
opened before the wait: with slots 150 ms apart and 15 ms of tolerance, 8 sends span at least
7 * 150 - 15 = 1,035 ms, so any window of one second holds at most 7, with 35 ms to spare for the
request's own way to the API. A slot further away than ``max_wait`` is not taken: the caller re-queues
its work instead of keeping a Lambda waiting.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from botocore.exceptions import ClientError

from chalicelib.aws import clients
from chalicelib.config import get_settings

KEY = "name"


class LimiterBusy(RuntimeError):
    """Too many concurrent writers kept winning the race for the next slot."""


def now_ms() -> int:
    return int(time.time() * 1000)


@dataclass
class RateLimiter:
    name: str
    per_second: int
    margin_ms: int = 7
    tolerance_ms: int = 15
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)

    @property
    def interval_ms(self) -> int:
        return math.ceil(1000 / self.per_second) + self.margin_ms

    def wait(self, slot: int) -> bool:
        """Sleep until ``slot``; True if it is still ours to use (we woke within the tolerance)."""
        delay = (slot - now_ms()) / 1000
        if delay > 0:
            self.sleep(delay)
        return now_ms() - slot <= self.tolerance_ms

    def reserve(self, max_wait: float) -> int | None:
        """Take the next free slot (epoch ms), or None if it is more than ``max_wait`` seconds away."""
        client, table = clients.dynamodb(), get_settings().limits_table
        for _ in range(50):
            item = client.get_item(TableName=table, Key={KEY: {"S": self.name}}, ConsistentRead=True).get("Item")
            taken = int(item["next_ms"]["N"]) if item else 0
            now = now_ms()
            slot = max(now, taken)
            if slot - now > max_wait * 1000:
                return None
            try:
                client.put_item(
                    TableName=table,
                    Item={KEY: {"S": self.name}, "next_ms": {"N": str(slot + self.interval_ms)}},
                    ConditionExpression="attribute_not_exists(next_ms) OR next_ms = :taken",
                    ExpressionAttributeValues={":taken": {"N": str(taken)}},
                )
                return slot
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                    raise
                time.sleep(random.uniform(0, 0.005))  # another worker took it: look again
        raise LimiterBusy(f"rate limiter {self.name}: no slot after 50 tries")
