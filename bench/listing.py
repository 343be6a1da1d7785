"""``GET /jobs`` with 100 and with 100,000 jobs stored: does a page cost the same?

Why: the listing of every job must stay fast however many jobs are stored (issue #13: p50 at
100,000 stored at most 1.5x the p50 at 100). A page is one Query on one index partition, newest
first, ``limit + 1`` entries: its cost should not grow with the partition.

How: job records are written straight into DynamoDB Local (``BatchWriteItem``, 25 items a
request, a few threads, unprocessed items sent again: the loader's ``write_items``), finished
(succeeded, failed or cancelled; no ``open_key``, so the sweeper never sees them and no worker
runs them), of every kind. First the 100 newest (the last 100 seconds); they are measured; then
99,900 older ones (spread over the 20 days before, inside the 30-day retention window the listing
shows), and the same requests again. So the newest page holds the very same records at both
sizes: only the number stored differs. (DynamoDB Local evidently reads whole items for an index
Query, see ``bench.calculations``: the same records keep that out of the comparison.)

Before the first measurement, 50 untimed rounds of every query: the servers' first requests
(above all DynamoDB Local's JVM) are slow, and counted they would flatter the ratio. Then, at each
size, warm-up rounds and measured rounds, each round asking every query once (a busy moment of
the shared machine slows them alike): p50/p90/p99 over real HTTP, a new connection per request
(``bench.api``). Besides the target's plain ``GET /jobs``: a kind, a status, kind and status
together, and the second page (through the first page's cursor). Filtered pages hold fewer items
at 100 stored (fewer jobs match): only the plain listing compares like with like.
"""

from __future__ import annotations

import os
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from bench.api import call, expect
from bench.fill import Fill, count_in_index
from bench.stats import percentile
from chalicelib import clock
from chalicelib.config import get_settings
from chalicelib.jobs.model import ALL_INDEX, EVERY_JOB, Job
from chalicelib.jobs.registry import KINDS
from chalicelib.records.loader import write_items

SMALL, LARGE = 100, 100_000
BATCH = 25  # BatchWriteItem's most
THREADS = 4
BULK_DAYS = 20
STATUSES = (("succeeded", 0.80), ("failed", 0.15), ("cancelled", 0.05))
SEED = 20261202
# The queries measured: a label and the query string (``cursor`` added for the second page).
QUERIES: tuple[tuple[str, dict[str, str]], ...] = (
    ("every job (the target)", {}),
    ("kind=calculation", {"kind": "calculation"}),
    ("status=failed", {"status": "failed"}),
    ("kind=report&status=failed", {"kind": "report", "status": "failed"}),
    ("every job, page 2 (cursor)", {"page": "2"}),
)
TARGET = QUERIES[0][0]
JIT_ROUNDS = 50
MAX_RATIO = 1.5


@dataclass(frozen=True)
class Latency:
    label: str
    stored: int
    requests: int
    p50_ms: float
    p90_ms: float
    p99_ms: float
    items: tuple[int, ...]  # the distinct numbers of items answered
    more: bool  # the page had a next_cursor


@dataclass(frozen=True)
class ListingResult:
    fills: list[Fill]
    latencies: list[Latency]
    seed: int
    # The machine's 1-minute load average as each size's measurement began and ended (it is shared:
    # a busier spell at one size than at the other moves the ratio).
    loads: dict[int, tuple[float, float]]

    def p50(self, label: str, stored: int) -> float:
        return next(lat.p50_ms for lat in self.latencies if lat.label == label and lat.stored == stored)

    def ratio(self, label: str = TARGET) -> float:
        return self.p50(label, LARGE) / self.p50(label, SMALL)


def record(number: int, at: datetime, rng: random.Random) -> dict[str, Any]:
    """A finished job record of any kind, created at ``at``, as DynamoDB stores it (the model's own
    serialisation, so it is what ``store`` would write)."""
    kind = list(KINDS)[number % len(KINDS)]
    status = rng.choices([name for name, _ in STATUSES], [share for _, share in STATUSES])[0]
    stamp, job_id = clock.iso(at), f"{rng.getrandbits(128):032x}"
    duration = round(rng.uniform(0.01, 30.0), 3)
    job = Job(
        id=job_id,
        kind=kind,
        name=f"bench {kind} {number}",
        params={},
        status=status,
        created_at=stamp,
        created_key=f"{stamp}#{job_id}",
        updated_at=stamp,
        started_at=stamp,
        finished_at=clock.iso(at + timedelta(seconds=duration)),
        duration=duration,
        progress=1 if status == "succeeded" else 0.5,
        attempts=1,
        error="bench: failed on purpose" if status == "failed" else None,
        expires_at=clock.expiry(get_settings().retention_days),
    )
    return dict(job.serialize())


def count_stored() -> int:
    """Every job in ``by_created``."""
    return count_in_index(ALL_INDEX, "list_key", EVERY_JOB)


def fill(moments: list[datetime], first: int, rng: random.Random) -> Fill:
    """Write one record per moment (numbered from ``first``), ``THREADS`` batches at once."""
    records = [record(first + index, at, rng) for index, at in enumerate(moments)]
    batches = [records[index : index + BATCH] for index in range(0, len(records), BATCH)]
    started, lock, done = time.perf_counter(), threading.Lock(), [0]

    def write(batch: list[dict[str, Any]]) -> None:
        write_items(Job.Meta.table_name, batch)
        with lock:
            done[0] += len(batch)
            if done[0] % 20_000 < BATCH:
                print(f"    {done[0]:,} written")

    with ThreadPoolExecutor(THREADS) as pool:
        for _ in pool.map(write, batches):
            pass
    seconds = time.perf_counter() - started
    result = Fill(len(records), count_stored(), seconds)
    print(f"  {result.written:,} records written in {seconds:.1f} s ({result.rate:,.0f}/s); {result.stored:,} stored")
    return result


def _path(params: dict[str, str], api_url: str) -> str:
    if params.get("page") != "2":
        return f"/jobs?{urlencode(params)}" if params else "/jobs"
    first = expect(call(api_url, "GET", "/jobs"), 200, "GET /jobs").body
    return f"/jobs?{urlencode({'cursor': first['next_cursor']})}"


def measure(api_url: str, stored: int, warmup: int, requests: int) -> list[Latency]:
    """Every query, round after round (each round asks each query once, so a busy moment of the
    shared machine slows them alike): ``warmup`` rounds, then ``requests`` measured ones."""
    paths = [(label, _path(params, api_url)) for label, params in QUERIES]
    samples: dict[str, list[float]] = {label: [] for label, _ in paths}
    counts: dict[str, set[int]] = {label: set() for label, _ in paths}
    more: dict[str, bool] = {}
    for round_number in range(warmup + requests):
        for label, path in paths:
            reply = expect(call(api_url, "GET", path), 200, f"GET {path}")
            if round_number >= warmup:
                samples[label].append(reply.seconds * 1000)
                counts[label].add(len(reply.body["items"]))
                more[label] = reply.body["next_cursor"] is not None
    latencies = []
    for label, ms in samples.items():
        latency = Latency(
            label,
            stored,
            requests,
            percentile(ms, 50),
            percentile(ms, 90),
            percentile(ms, 99),
            tuple(sorted(counts[label])),
            more[label],
        )
        print(
            f"  {stored:,} stored, {label}: p50 {latency.p50_ms:.1f} ms, p90 {latency.p90_ms:.1f} ms, {latency.items}"
        )
        latencies.append(latency)
    return latencies


def measure_listing(api_url: str, warmup: int, requests: int) -> ListingResult:
    if count_stored():
        raise RuntimeError("jobs are already stored: the listing benchmark needs a fresh stack")
    rng = random.Random(SEED)
    now = clock.now()
    newest = [now - timedelta(seconds=SMALL - index) for index in range(SMALL)]  # the last 100 s, oldest first
    bulk_start = newest[0] - timedelta(days=BULK_DAYS)
    step = timedelta(days=BULK_DAYS) / (LARGE - SMALL)
    older = [bulk_start + index * step for index in range(LARGE - SMALL)]
    fills, latencies, loads = [], [], {}
    for stored, moments, first in ((SMALL, newest, 0), (LARGE, older, SMALL)):
        print(f"  writing {len(moments):,} job records...")
        fills.append(fill(moments, first, rng))
        if fills[-1].stored != stored:
            raise RuntimeError(f"expected {stored:,} jobs stored, by_created holds {fills[-1].stored:,}")
        if stored == SMALL:  # the servers' first requests are slow (DynamoDB Local's JVM warms up): not counted
            print(f"  warming up: {JIT_ROUNDS} rounds of every query...")
            measure(api_url, stored, JIT_ROUNDS, 2)
        load_before = os.getloadavg()[0]
        latencies += measure(api_url, stored, warmup, requests)
        loads[stored] = (load_before, os.getloadavg()[0])
    result = ListingResult(fills, latencies, SEED, loads)
    print(f"  GET /jobs p50 ratio {LARGE:,} / {SMALL} stored: {result.ratio():.2f}")
    return result
