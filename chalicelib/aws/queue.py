"""The job queues (SQS, one per lane): sending a job's message, delaying one that came too early,
their length. Callers name the lane (``chalicelib.config.LANES``) or the queue; this layer knows
nothing of job kinds."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache

from chalicelib.aws import clients
from chalicelib.config import get_settings

MAX_VISIBILITY_SECONDS = 12 * 3600


@lru_cache(maxsize=16)
def queue_url(name: str, probe: bool = False) -> str:
    """A queue's URL, looked up once; ``probe``: with the health check's client (short timeouts,
    one try), so a /health while SQS is unreachable answers in seconds even before the first lookup."""
    if probe:
        return clients.sqs_probe().get_queue_url(QueueName=name)["QueueUrl"]
    return clients.sqs().get_queue_url(QueueName=name)["QueueUrl"]


clients.on_reset(queue_url.cache_clear)


def send_job(job_id: str, kind: str, seq: int, lane: str, delay_seconds: int = 0) -> None:
    """One message per job and slice, on its lane's queue: ``{"job_id", "kind", "seq"}``. The
    worker reads the job record; ``seq`` is the job's token when sent, so a duplicate of an older
    slice's message is recognised as stale."""
    body = json.dumps({"job_id": job_id, "kind": kind, "seq": seq})
    clients.sqs().send_message(
        QueueUrl=queue_url(get_settings().queue(lane)), MessageBody=body, DelaySeconds=delay_seconds
    )


def name_of(queue_arn: str) -> str:
    """A queue's name from its ARN (an SQS record's ``eventSourceARN``): the part after the last colon."""
    return queue_arn.rsplit(":", 1)[-1]


def hide(receipt_handle: str, seconds: int, queue_name: str) -> None:
    """Keep a received message of ``queue_name`` out of sight ``seconds`` more (SQS allows 12 hours)."""
    clients.sqs().change_message_visibility(
        QueueUrl=queue_url(queue_name),
        ReceiptHandle=receipt_handle,
        VisibilityTimeout=max(0, min(seconds, MAX_VISIBILITY_SECONDS)),
    )


def waiting(lane: str) -> int:
    """Messages in a lane's queue that no worker has received yet (SQS's approximate count;
    delayed and in-flight messages are not counted)."""
    attributes = clients.sqs().get_queue_attributes(
        QueueUrl=queue_url(get_settings().queue(lane)), AttributeNames=["ApproximateNumberOfMessages"]
    )["Attributes"]
    return int(attributes.get("ApproximateNumberOfMessages", "0"))


@dataclass(frozen=True)
class Depth:
    """A queue's messages by state (SQS's approximate counts, seconds behind at most)."""

    waiting: int  # ready for a worker: ApproximateNumberOfMessages
    in_flight: int  # received by a worker, not yet deleted: ApproximateNumberOfMessagesNotVisible
    delayed: int  # sent with a delay that has not passed: ApproximateNumberOfMessagesDelayed


def depth(queue_name: str) -> Depth:
    """One GetQueueAttributes call, with the health check's client (short timeouts, one try)."""
    attributes = clients.sqs_probe().get_queue_attributes(
        QueueUrl=queue_url(queue_name, probe=True),
        AttributeNames=[
            "ApproximateNumberOfMessages",
            "ApproximateNumberOfMessagesNotVisible",
            "ApproximateNumberOfMessagesDelayed",
        ],
    )["Attributes"]
    return Depth(
        waiting=int(attributes.get("ApproximateNumberOfMessages", "0")),
        in_flight=int(attributes.get("ApproximateNumberOfMessagesNotVisible", "0")),
        delayed=int(attributes.get("ApproximateNumberOfMessagesDelayed", "0")),
    )
