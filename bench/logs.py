"""``GET /logs`` latency over real HTTP: p50/p90/p99 of four queries, and the items each one reads.

Why: ``/logs`` answers from bounded DynamoDB Queries (at most 100 items read, newest day first),
so its latency should not grow with the table. Measured on the small table and again on the full
one; the targets are p50 <= 30 ms on the full table and full/small p50 <= 1.5 (no filter).
Each request uses a new connection (see ``bench.api``); warm-up requests are not counted.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from bench.api import call, expect
from bench.stats import percentile

NO_FILTER = "sales, no filter"
# The API caches a loaded table's state this long: after a reload, wait for it to be read again.


@dataclass(frozen=True)
class Latency:
    label: str
    query: str
    requests: int
    p50_ms: float
    p90_ms: float
    p99_ms: float
    items_read: tuple[int, ...]  # the distinct values seen (one, when the table does not change)


def queries(user_id: str) -> list[tuple[str, str]]:
    """(label, query string) of each measured query."""
    return [
        (NO_FILTER, urlencode({"table_name": "sales"})),
        ("sales, from_date", urlencode({"table_name": "sales", "from_date": "2022-03-15"})),
        ("sales, user_id", urlencode({"table_name": "sales", "user_id": user_id})),
        ("sales_detail, no filter", urlencode({"table_name": "sales_detail"})),
    ]


def measure_query(api_url: str, label: str, query: str, warmup: int, requests: int) -> Latency:
    path = f"/logs?{query}"
    for _ in range(warmup):
        expect(call(api_url, "GET", path), 200, f"GET {path}")
    seconds, items_read = [], set()
    for _ in range(requests):
        reply = expect(call(api_url, "GET", path), 200, f"GET {path}")
        seconds.append(reply.seconds)
        items_read.add(int(reply.body["items_read"]))
    ms = [1000 * value for value in seconds]
    return Latency(
        label, query, requests, percentile(ms, 50), percentile(ms, 90), percentile(ms, 99), tuple(sorted(items_read))
    )


def measure(api_url: str, user_id: str, warmup: int, requests: int) -> list[Latency]:
    results = []
    for label, query in queries(user_id):
        result = measure_query(api_url, label, query, warmup, requests)
        print(
            f"  /logs {label}: p50 {result.p50_ms:.1f} ms, p90 {result.p90_ms:.1f} ms, "
            f"p99 {result.p99_ms:.1f} ms, items_read {result.items_read}"
        )
        results.append(result)
    return results
