"""Posts imports (seed 003): how fast rows reach the third-party API, and whether the rate limit holds.

Why: every valid CSV row of an import is sent to a third-party API that allows 7 requests a
second, through one rate limiter shared by every worker (``chalicelib.imports.limiter``: slots
153 ms apart). The targets: a 1,000-row import in at most 160 s, a sustained rate of at least
6.5 rows/s with one worker and with four competing for the limiter, and never more than 7
requests in any one-second window.

What: a private local stack (``bench.stack``'s way: free ports, never 8000) whose worker sends to
an in-process ``FakePostsApi(latency=0.1)``, started before the worker and named by
``POSTS_API_URL`` in the stack's environment. The fake records the arrival time of every request
(``time.time()`` as the request is read, before its latency), so the rate is measured where the
third party would see it: sustained rate = (n - 1) / (last arrival - first arrival); the busiest
window = the most arrivals in any ``[t, t + 1 s)``; the gaps between consecutive arrivals show how
close the limiter lets two sends come. The wall time runs from just before ``POST /imports`` to the
poll (``GET /imports/{id}`` every 0.5 s) that first shows ``succeeded``. The fake also tells
whether any row was created twice (each row's title is unique) or answered 429/5xx.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any

from urllib3 import encode_multipart_formdata

from bench.api import ApiError, Reply, call, expect, send
from bench.stack import LOG_DIR, free_ports
from bench.stats import median, percentile
from chalicelib.aws import clients
from chalicelib.config import get_settings
from chalicelib.imports.limiter import RateLimiter
from chalicelib.jobs.model import FINISHED
from infra.local.fake_posts_api import FakePostsApi, max_in_window
from infra.local.stack import LocalStack
from infra.resources import provision

LATENCY = 0.1  # seconds the fake takes to answer each POST /posts
POLL_SECONDS = 0.5
TITLE = "bench import {batch} row {row}"  # unique per row: tells imports apart and finds duplicates


@dataclass(frozen=True)
class Config:
    """The worker's import settings (its environment is this process's, but for POSTS_API_URL)."""

    per_second: int
    interval_ms: int
    tolerance_ms: int
    slice_seconds: int
    max_wait: int


def worker_config() -> Config:
    settings = get_settings()
    limiter = RateLimiter("posts-api", settings.posts_per_second)
    return Config(
        settings.posts_per_second,
        limiter.interval_ms,
        limiter.tolerance_ms,
        settings.import_slice_seconds,
        settings.posts_max_wait,
    )


@dataclass
class ImportRun:
    """One import as the client saw it: posted, polled until finished (or the deadline)."""

    batch: int
    rows: int
    id: str = ""
    posted_at: float = 0.0  # time.time(), to compare with the fake's arrivals
    post_seconds: float = 0.0
    seconds: float | None = None  # POST to the first poll showing a finished status
    status: str = "not posted"
    detail: dict[str, Any] = field(default_factory=dict)
    slices: int | None = None  # the job's claims: one per slice (``IMPORT_SLICE_SECONDS``)

    def counter(self, name: str) -> int:
        value = self.detail.get(name, 0)
        return int(value) if isinstance(value, int | float) else 0


@dataclass(frozen=True)
class Arrivals:
    """What the fake posts API saw."""

    count: int
    created: int
    rejected: int  # answered 429 or 5xx
    unique_titles: int
    first: float | None
    last: float | None
    rate: float | None  # (count - 1) / (last - first)
    max_in_1s: int
    gap_min_ms: float | None
    gap_p5_ms: float | None
    gap_p50_ms: float | None
    gap_max_ms: float | None
    gaps_below_interval: int  # gaps shorter than the limiter's slot interval
    statuses: dict[int, int]

    @property
    def span(self) -> float | None:
        return None if self.first is None or self.last is None else self.last - self.first


@dataclass
class Scenario:
    """One stack start: ``imports`` imports of ``rows`` rows each, posted at once, ``workers`` workers."""

    label: str
    workers: int
    imports: int
    rows: int
    runs: list[ImportRun] = field(default_factory=list)
    seconds: float | None = None  # the first POST to every import seen finished
    arrivals: Arrivals | None = None
    per_import: dict[int, Arrivals] = field(default_factory=dict)
    worker_log: dict[str, int] = field(default_factory=dict)
    error: str | None = None

    @property
    def total_rows(self) -> int:
        return self.imports * self.rows

    @property
    def all_succeeded(self) -> bool:
        return bool(self.runs) and all(run.status == "succeeded" for run in self.runs)

    @property
    def overlap(self) -> int:
        """The most imports whose sending periods (first to last arrival) overlap at one moment."""
        periods = [(a.first, a.last) for a in self.per_import.values() if a.first is not None and a.last is not None]
        return max((sum(1 for first, last in periods if first <= start <= last) for start, _ in periods), default=0)

    @property
    def rows_sent(self) -> int:
        return sum(run.counter("rows_sent") for run in self.runs)

    @property
    def rows_failed(self) -> int:
        return sum(run.counter("rows_failed") for run in self.runs)


def make_csv(batch: int, rows: int) -> bytes:
    """``rows`` valid rows, ``userId`` 1..10, each with a unique title."""
    lines = ["userId,title,body"]
    lines += [f"{row % 10 + 1},{TITLE.format(batch=batch, row=row)},body of row {row}" for row in range(1, rows + 1)]
    return ("\n".join(lines) + "\n").encode()


def post_file(base_url: str, content: bytes, filename: str, timeout: float = 30.0) -> Reply:
    """``POST /imports`` with ``content`` as the multipart field ``file``, on a fresh connection."""
    body, content_type = encode_multipart_formdata({"file": (filename, content, "text/csv")})
    return send(base_url, "POST", "/imports", body, content_type, timeout)


@contextmanager
def import_stack(fake: FakePostsApi, workers: int, log_dir: Path) -> Iterator[LocalStack]:
    """``bench.stack.local_stack`` with the worker sending to ``fake`` and ``workers`` invocations per queue."""
    stack = LocalStack(log_dir)
    dynamodb_port, moto_port, api_port = free_ports(3)
    try:
        stack.start_aws(dynamodb_port, moto_port)
        stack.env["POSTS_API_URL"] = fake.url
        stack.start_posts_api(0)  # POSTS_API_URL is set: it only records the fake's URL
        os.environ.update(stack.env)
        clients.reset()
        get_settings.cache_clear()
        provision(get_settings(), clients.dynamodb(), clients.sqs(), clients.s3())
        stack.start_api(api_port)
        stack.start_worker(concurrency=workers)
        print(f"local stack up: api {stack.urls['api']}, posts API {fake.url}, {workers} worker(s), logs in {log_dir}/")
        yield stack
    finally:
        stack.stop()
        print("local stack stopped")


def _slices(job_id: str) -> int | None:
    """The job's ``attempts`` (one claim per slice), read from the jobs table."""
    item = clients.dynamodb().get_item(TableName=get_settings().jobs_table, Key={"id": {"S": job_id}}).get("Item")
    return int(item["attempts"]["N"]) if item and "attempts" in item else None


def _post(api: str, run: ImportRun) -> ImportRun:
    run.posted_at = time.time()
    reply = expect(post_file(api, make_csv(run.batch, run.rows), f"bench-{run.batch}.csv"), 202, "POST /imports")
    run.post_seconds = reply.seconds
    run.id, run.status = str(reply.body["id"]), str(reply.body.get("status", "queued"))
    return run


def follow(api: str, runs: Sequence[ImportRun], started: float, timeout: float) -> None:
    """Poll every unfinished import every ``POLL_SECONDS`` until all are finished or ``timeout`` passes."""
    deadline = started + timeout
    pending = [run for run in runs if run.id]
    while pending and time.perf_counter() < deadline:
        next_round = time.perf_counter() + POLL_SECONDS
        for run in list(pending):
            reply = call(api, "GET", f"/imports/{run.id}")
            if reply.status != 200:
                continue
            run.detail, run.status = reply.body, str(reply.body.get("status"))
            if run.status in FINISHED:
                run.seconds = time.perf_counter() - started
                pending.remove(run)
        time.sleep(max(next_round - time.perf_counter(), 0.0))
    for run in pending:
        run.status = f"{run.status} (still, after {timeout:.0f} s)"


def analyse(calls: Sequence[dict[str, Any]], interval_ms: int) -> Arrivals:
    """Rate, busiest second and gaps of the fake's ``calls`` (any subset of them)."""
    times = sorted(float(c["at"]) for c in calls)
    gaps = [(b - a) * 1000 for a, b in pairwise(times)]
    statuses = Counter(int(c["status"]) for c in calls)
    titles = {str(c["body"].get("title")) for c in calls if isinstance(c["body"], dict) and c["status"] == 201}
    span = times[-1] - times[0] if len(times) >= 2 else 0.0
    return Arrivals(
        count=len(times),
        created=statuses.get(201, 0),
        rejected=sum(n for status, n in statuses.items() if status == 429 or status >= 500),
        unique_titles=len(titles),
        first=times[0] if times else None,
        last=times[-1] if times else None,
        rate=(len(times) - 1) / span if span > 0 else None,
        max_in_1s=max_in_window(times, 1.0),
        gap_min_ms=min(gaps) if gaps else None,
        gap_p5_ms=percentile(gaps, 5) if len(gaps) >= 2 else None,
        gap_p50_ms=median(gaps) if gaps else None,
        gap_max_ms=max(gaps) if gaps else None,
        gaps_below_interval=sum(1 for gap in gaps if gap < interval_ms),
        statuses=dict(sorted(statuses.items())),
    )


def _batch_of(body: Any) -> int | None:
    title = body.get("title") if isinstance(body, dict) else None
    if not isinstance(title, str) or not title.startswith("bench import "):
        return None
    return int(title.split()[2])


def _worker_log(log_dir: Path) -> dict[str, int]:
    """Slices re-queued, and errors logged, in the worker's log."""
    path = log_dir / "worker.log"
    text = path.read_text(errors="replace") if path.exists() else ""
    return {
        "re-queued (continues in)": text.count(" continues in "),
        "tracebacks": text.count("Traceback (most recent call last)"),
        # The runner's text lines, and the environments' JSON lines (chalicelib.telemetry.logs).
        "ERROR lines": sum(1 for line in text.splitlines() if " ERROR " in line or '"level": "ERROR"' in line),
    }


def measure(label: str, workers: int, imports: int, rows: int, timeout: float) -> Scenario:
    """Start a stack with ``workers`` workers, post ``imports`` imports of ``rows`` rows at once, follow them."""
    scenario = Scenario(label, workers, imports, rows)
    log_dir = LOG_DIR / f"imports-{label}"
    interval_ms = worker_config().interval_ms
    try:
        with FakePostsApi(latency=LATENCY) as fake, import_stack(fake, workers, log_dir) as stack:
            api = stack.urls["api"]
            fake.reset()
            scenario.runs = [ImportRun(batch, rows) for batch in range(1, imports + 1)]
            started = time.perf_counter()
            with ThreadPoolExecutor(max_workers=imports) as pool:
                list(pool.map(lambda run: _post(api, run), scenario.runs))
            print(f"  {imports} import(s) of {rows:,} rows posted; polling every {POLL_SECONDS} s...")
            follow(api, scenario.runs, started, timeout)
            finished = [run.seconds for run in scenario.runs if run.seconds is not None]
            scenario.seconds = max(finished) if len(finished) == len(scenario.runs) else None
            for run in scenario.runs:
                run.slices = _slices(run.id)
            calls = [dict(c) for c in fake.calls()]
            scenario.arrivals = analyse(calls, interval_ms)
            for run in scenario.runs:
                mine = [c for c in calls if _batch_of(c["body"]) == run.batch]
                scenario.per_import[run.batch] = analyse(mine, interval_ms)
        scenario.worker_log = _worker_log(log_dir)
    except (ApiError, OSError, RuntimeError) as exc:
        scenario.error = f"{type(exc).__name__}: {exc}"
        print(f"  {label}: {scenario.error}")
    return scenario
