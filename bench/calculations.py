"""The calculation kind (seed 002): its kernel's speed, a burst of calculations, and the listing's flatness.

Why, and how, each of the three is measured:

kernel
    ``kernel(date_start, date_fin, lag)`` is the compute a calculation job does, so it bounds how
    many calculations the worker can run. Measured in this process before the stack starts
    (nothing else competes for the CPU): rows/s of ``kernel`` alone on a 1,000,000-row range and
    on the longest one there is (0001-01-01..9999-12-31, lag 1: 3,652,059 rows), the median of a
    few runs after one warm-up. Apart from it, ``.rows()`` (the JSON-ready list of dicts the job
    returns) and ``json.dumps`` of it (what result storage does) on a century of days (36,525
    rows): they cost more than the kernel. Target: the kernel at least 1,000,000 rows/s.
burst
    ``N`` calculations of a year of days (366 rows each) sent back to back, one POST
    /calculations after another, then each one's ``GET /calculations/{id}?fields=duration``
    polled in submission order (every 10 ms, a round stops at the first one not yet finished)
    until all have finished: the submit rate, and the wall time from the first POST to the last
    ``succeeded`` seen, with the stack's worker (2 concurrent invocations). Target: all succeed.
listing
    ``GET /calculations?order=desc&page=1`` (and ``page=10``) reads a page from the ``by_kind``
    index, skipping earlier pages by counting index entries, so page 1 should cost the same with
    100 or with 10,000 calculations stored. p50/p90 over real HTTP (a new connection per request,
    see ``bench.api``), first with 100 calculations stored, then with 10,000. The burst's
    calculations count; the rest are written straight into DynamoDB with ``store.new_job`` from 8
    threads (they stay ``queued``: nothing is sent to the queue, no worker ever sees them), which is
    why this part runs after the burst. Target: p50(10,000) / p50(100) for page 1 at most 1.5.
    The same pages are also measured with ``order=asc``: they hold the same (oldest) records at
    both sizes, whereas ``desc`` pages show the burst's succeeded records (each with a 366-row
    result inline) at 100 stored but small queued records at 10,000; DynamoDB Local evidently
    reads whole items for an index Query, so only ``asc`` compares like with like there.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TypeVar
from urllib.parse import quote

from bench.api import call, expect
from bench.fill import Fill, count_in_index
from bench.stats import median, percentile
from chalicelib.jobs.kinds.calculation import Production, kernel
from chalicelib.jobs.model import KIND_INDEX, Job
from chalicelib.jobs.registry import KINDS
from chalicelib.jobs.store import new_job

KIND = "calculation"
FIRST_DAY = date(1, 1, 1)
KERNEL_RANGES = (
    ("1,000,000 days", FIRST_DAY, FIRST_DAY + timedelta(days=999_999)),
    ("0001-01-01..9999-12-31", FIRST_DAY, date(9999, 12, 31)),
)
CENTURY = (date(1901, 1, 1), date(2000, 12, 31))  # 36,525 days
BURST_BODY = {"date_start": "2020-01-01", "date_fin": "2020-12-31", "lag": 1}
POLL_SECONDS = 0.010
BURST_TIMEOUT_SECONDS = 300.0
LISTING_BASE = 100  # calculations stored for the first listing measurement
LISTING_PAGES = (1, 10)
LISTING_ORDERS = ("desc", "asc")  # desc first: the target's order
STORE_THREADS = 8

T = TypeVar("T")


# --- kernel -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class KernelRange:
    label: str
    rows: int
    seconds: float  # median run

    @property
    def rate(self) -> float:
        return self.rows / self.seconds


@dataclass(frozen=True)
class KernelResult:
    runs: int
    ranges: list[KernelRange]  # ``kernel`` alone
    century_rows: int
    century_kernel_seconds: float  # medians, on the century
    rows_seconds: float  # ``.rows()``
    dumps_seconds: float  # ``json.dumps`` of the rows
    json_bytes: int

    @property
    def slowest_rate(self) -> float:
        return min(kernel_range.rate for kernel_range in self.ranges)


def _median_seconds(function: Callable[[int], T], runs: int) -> tuple[float, T]:
    """The median time of ``runs`` calls of ``function(run)`` after an untimed warm-up; the last value."""
    value = function(-1)
    seconds = []
    for run in range(runs):
        started = time.perf_counter()
        value = function(run)
        seconds.append(time.perf_counter() - started)
    return median(seconds), value


def _kernel_call(date_start: date, date_fin: date) -> Callable[[int], Production]:
    return lambda run: kernel(date_start, date_fin, 1, seed=run + 1)


def measure_kernel(runs: int) -> KernelResult:
    ranges = []
    for label, date_start, date_fin in KERNEL_RANGES:
        seconds, production = _median_seconds(_kernel_call(date_start, date_fin), runs)
        ranges.append(KernelRange(label, len(production), seconds))
        print(f"  kernel, {label}: {len(production):,} rows in {1000 * seconds:.1f} ms ({ranges[-1].rate:,.0f} rows/s)")
    century_seconds, century = _median_seconds(_kernel_call(*CENTURY), runs)
    rows_seconds, rows = _median_seconds(lambda run: century.rows(), runs)
    dumps_seconds, text = _median_seconds(lambda run: json.dumps(rows, separators=(",", ":")), runs)
    result = KernelResult(runs, ranges, len(century), century_seconds, rows_seconds, dumps_seconds, len(text.encode()))
    print(
        f"  century ({len(century):,} rows): kernel {1000 * century_seconds:.1f} ms, .rows() "
        f"{1000 * rows_seconds:.1f} ms, json.dumps {1000 * dumps_seconds:.1f} ms ({result.json_bytes:,} bytes)"
    )
    return result


# --- burst --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BurstResult:
    submitted: int
    succeeded: int
    failed: int
    unfinished: int  # still queued or running when the benchmark stopped waiting
    submit_seconds: float  # before the first POST -> the last POST answered
    post_ms: tuple[float, float]  # p50, p90 of one POST
    first_seconds: float  # before the first POST -> the first ``succeeded`` seen
    wall_seconds: float  # before the first POST -> the last ``succeeded`` seen
    duration_ms: tuple[float, float]  # p50, p90 of the jobs' own ``duration``
    result_rows: tuple[int, ...]  # the distinct row counts of the results (366 for 2020, lag 1)

    @property
    def submit_rate(self) -> float:
        return self.submitted / self.submit_seconds

    @property
    def throughput(self) -> float:
        return self.succeeded / self.wall_seconds if self.wall_seconds else 0.0


@dataclass
class _Outcomes:
    """What polling has seen so far, job by job."""

    seen_at: list[float]  # seconds after the start, one per succeeded job
    durations: list[float]
    result_rows: set[int]
    failed: int = 0


def _p50_p90(samples: list[float]) -> tuple[float, float]:
    if len(samples) < 2:
        return (samples[0], samples[0]) if samples else (float("nan"), float("nan"))
    return percentile(samples, 50), percentile(samples, 90)


def _poll_round(api_url: str, pending: list[str], started: float, outcomes: _Outcomes) -> list[str]:
    """Poll ``pending`` in order up to the first unfinished job; the jobs still pending after it."""
    for index, job_id in enumerate(pending):
        path = f"/calculations/{quote(job_id)}?fields=duration"
        body = expect(call(api_url, "GET", path), 200, f"GET {path}").body
        if body["status"] == "succeeded":
            outcomes.seen_at.append(time.perf_counter() - started)
            outcomes.durations.append(float(body["duration"]))
            outcomes.result_rows.add(len(body["result"]))
        elif body["status"] in ("failed", "cancelled"):
            outcomes.failed += 1
            print(f"  calculation {job_id} ended {body['status']}: {body.get('error')}")
        else:
            return pending[index:]
    return []


def measure_burst(api_url: str, count: int) -> BurstResult:
    ids, post_seconds = [], []
    started = time.perf_counter()
    for _ in range(count):
        reply = expect(call(api_url, "POST", "/calculations", BURST_BODY), 201, "POST /calculations")
        ids.append(str(reply.body["id"]))
        post_seconds.append(reply.seconds)
    submit_seconds = time.perf_counter() - started
    outcomes = _Outcomes([], [], set())
    pending = ids
    while pending and time.perf_counter() - started < BURST_TIMEOUT_SECONDS:
        pending = _poll_round(api_url, pending, started, outcomes)
        if pending:
            time.sleep(POLL_SECONDS)
    seen_at = outcomes.seen_at or [float("nan")]
    result = BurstResult(
        count,
        len(outcomes.seen_at),
        outcomes.failed,
        len(pending),
        submit_seconds,
        _p50_p90([1000 * seconds for seconds in post_seconds]),
        min(seen_at),
        max(seen_at),
        _p50_p90([1000 * seconds for seconds in outcomes.durations]),
        tuple(sorted(outcomes.result_rows)),
    )
    print(
        f"  {count} calculations submitted in {submit_seconds:.2f} s ({result.submit_rate:.1f}/s); "
        f"{result.succeeded} succeeded, {result.failed} failed, {result.unfinished} unfinished; last succeeded "
        f"seen {result.wall_seconds:.2f} s after the first POST; job duration p50 {result.duration_ms[0]:.1f} ms"
    )
    return result


# --- listing ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PageLatency:
    stored: int
    order: str
    page: int
    requests: int
    p50_ms: float
    p90_ms: float
    p99_ms: float
    items: tuple[int, ...]  # the distinct numbers of items answered
    has_more: tuple[bool, ...]


@dataclass(frozen=True)
class ListingResult:
    latencies: list[PageLatency]
    fills: list[Fill]
    small: int
    large: int

    def p50(self, stored: int, page: int, order: str = "desc") -> float:
        return next(
            lat.p50_ms for lat in self.latencies if lat.stored == stored and lat.page == page and lat.order == order
        )

    def ratio(self, page: int = 1, order: str = "desc") -> float:
        return self.p50(self.large, page, order) / self.p50(self.small, page, order)


def count_stored() -> int:
    """The calculations in the ``by_kind`` index."""
    return count_in_index(KIND_INDEX, "kind", KIND)


def fill_to(stored: int) -> Fill:
    """Write queued calculation records (8 threads) until ``stored`` calculations exist."""
    kind = KINDS[KIND]
    params = kind.parse_params(BURST_BODY)
    missing = stored - count_stored()
    started = time.perf_counter()
    if missing > 0:

        def write(index: int) -> Job:
            return new_job(kind, params, f"bench-listing-{index}")

        with ThreadPoolExecutor(STORE_THREADS) as pool:
            for _ in pool.map(write, range(missing)):
                pass
    fill = Fill(max(missing, 0), count_stored(), time.perf_counter() - started)
    if fill.stored != stored:
        raise RuntimeError(f"expected {stored:,} calculations stored, the index holds {fill.stored:,}")
    print(f"  {fill.written:,} records written with new_job in {fill.seconds:.1f} s ({fill.rate:,.0f}/s)")
    return fill


def measure_page(api_url: str, stored: int, order: str, page: int, warmup: int, requests: int) -> PageLatency:
    path = f"/calculations?order={order}&page={page}"
    for _ in range(warmup):
        expect(call(api_url, "GET", path), 200, f"GET {path}")
    seconds, items, has_more = [], set(), set()
    for _ in range(requests):
        reply = expect(call(api_url, "GET", path), 200, f"GET {path}")
        seconds.append(reply.seconds)
        items.add(len(reply.body["items"]))
        has_more.add(bool(reply.body["has_more"]))
    ms = [1000 * value for value in seconds]
    latency = PageLatency(
        stored,
        order,
        page,
        requests,
        percentile(ms, 50),
        percentile(ms, 90),
        percentile(ms, 99),
        tuple(sorted(items)),
        tuple(sorted(has_more)),
    )
    print(
        f"  {stored:,} stored, {order} page {page}: p50 {latency.p50_ms:.1f} ms, p90 {latency.p90_ms:.1f} ms, "
        f"items {latency.items}, has_more {latency.has_more}"
    )
    return latency


def measure_listing(api_url: str, large: int, warmup: int, requests: int) -> ListingResult:
    latencies, fills = [], []
    for stored in (LISTING_BASE, large):
        fills.append(fill_to(stored))
        latencies += [
            measure_page(api_url, stored, order, page, warmup, requests)
            for order in LISTING_ORDERS
            for page in LISTING_PAGES
        ]
    result = ListingResult(latencies, fills, LISTING_BASE, large)
    print(
        f"  page 1 p50 ratio {large:,} / {LISTING_BASE} stored: desc {result.ratio():.2f}, "
        f"asc {result.ratio(order='asc'):.2f}"
    )
    return result


# --- both service parts -------------------------------------------------------------------------


@dataclass(frozen=True)
class CalculationsResult:
    burst: BurstResult
    listing: ListingResult


def measure_service(api_url: str, burst: int, stored: int, warmup: int, requests: int) -> CalculationsResult:
    """The burst first (it needs a quiet queue), then the listing (its extra records are never run)."""
    if count_stored():
        raise RuntimeError("calculations are already stored: the burst and the listing need a fresh stack")
    return CalculationsResult(measure_burst(api_url, burst), measure_listing(api_url, stored, warmup, requests))
