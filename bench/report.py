"""The benchmark's figures against its targets: PASS/FAIL lines and the markdown of ``bench/results.md``.

A report, not a gate: a failed target is printed as FAIL and written down, and the run still ends
with exit code 0.
"""

from __future__ import annotations

import os
import platform
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from bench.jobs import JobsResult
from bench.load import LoadResult
from bench.logs import NO_FILTER, Latency
from bench.metric import MetricResult

RESULTS = Path(__file__).resolve().parent / "results.md"


@dataclass(frozen=True)
class Results:
    quick: bool
    started: datetime
    load_averages: tuple[float, float]  # the machine's 1-minute load average at the start and at the end
    full_source: str
    warmup: int
    requests: int
    small_load: LoadResult
    full_load: LoadResult
    logs_small: list[Latency]
    logs_full: list[Latency]
    metric: MetricResult
    jobs: JobsResult

    def p50_ratio(self) -> float:
        return _no_filter(self.logs_full).p50_ms / _no_filter(self.logs_small).p50_ms


@dataclass(frozen=True)
class Target:
    name: str
    figure: str
    limit: str
    passed: bool

    @property
    def verdict(self) -> str:
        return "PASS" if self.passed else "FAIL"


def _no_filter(latencies: list[Latency]) -> Latency:
    return next(latency for latency in latencies if latency.label == NO_FILTER)


def targets(results: Results) -> list[Target]:
    load_s = results.full_load.seconds
    p50 = _no_filter(results.logs_full).p50_ms
    ratio = results.p50_ratio()
    speedup = results.metric.speedup
    overhead = results.jobs.overhead_ms[0]
    return [
        Target("full data set load, both tables", f"{load_s:.1f} s", "<= 300 s", load_s <= 300),
        Target("/logs p50, full table, no filter", f"{p50:.1f} ms", "<= 30 ms", p50 <= 30),
        Target("/logs p50 full / small, no filter", f"{ratio:.2f}", "<= 1.5", ratio <= 1.5),
        Target("metric speed-up", f"{speedup:.0f}x", ">= 50x", speedup >= 50),
        Target("job overhead p50", f"{overhead:.0f} ms", "< 500 ms", overhead < 500),
    ]


def _header(results: Results) -> list[str]:
    mode = (
        "quick smoke run (`--quick`: a 20,000-sale stand-in for the full data set, fewer iterations)"
        if results.quick
        else "full"
    )
    nproc = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return [
        "# Benchmark results",
        "",
        f"- date: {results.started:%Y-%m-%d %H:%M:%S %z}",
        f"- mode: {mode}",
        f"- machine: nproc {nproc}, Python {platform.python_version()}, {platform.system()} {platform.machine()}",
        "- stack: DynamoDB Local (in memory), moto server (SQS, S3), `chalice local`, the local Lambda runner "
        "(`python -m bench`, ports chosen free)",
        f"- full data set: {results.full_source}",
        f"- 1-minute load average: {results.load_averages[0]:.2f} at the start, {results.load_averages[1]:.2f} at "
        f"the end (it lags by about a minute; above 1 at the start, other work was using the {nproc} CPUs)",
        "",
    ]


def _target_lines(results: Results) -> list[str]:
    lines = ["## Targets", "", "| target | figure | limit | result |", "|---|---:|---:|---|"]
    lines += [f"| {t.name} | {t.figure} | {t.limit} | {t.verdict} |" for t in targets(results)]
    return [*lines, ""]


def _load_lines(results: Results) -> list[str]:
    lines = [
        "## Load (`load_csv(..., threads=8)`)",
        "",
        "| data set | table | rows | invalid | seconds | rows/s |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for load in (results.small_load, results.full_load):
        lines += [
            f"| {load.data} | {t.table} | {t.rows:,} | {t.invalid:,} | {t.seconds:.1f} | {t.rate:,.0f} |"
            for t in load.tables
        ]
        lines.append(
            f"| {load.data} | **both** | {load.rows:,} | | **{load.seconds:.1f}** | {load.rows / load.seconds:,.0f} |"
        )
    lines += [
        "",
        f"Before the full load, deleting the small data set's items took "
        f"{results.full_load.clear_seconds:.1f} s (not counted above).",
        "",
    ]
    return lines


def _latency_row(table: str, latency: Latency) -> str:
    items_read = ", ".join(str(count) for count in latency.items_read)
    return (
        f"| {table} | `{latency.query}` | {latency.p50_ms:.1f} | {latency.p90_ms:.1f} | {latency.p99_ms:.1f} "
        f"| {items_read} |"
    )


def _logs_lines(results: Results) -> list[str]:
    lines = [
        f"## GET /logs latency ({results.requests} requests per query after {results.warmup} warm-up, "
        "a new HTTP connection per request)",
        "",
        "| table | query | p50 ms | p90 ms | p99 ms | items_read |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for name, latencies in (("small", results.logs_small), ("full", results.logs_full)):
        lines += [_latency_row(name, latency) for latency in latencies]
    return [*lines, "", f"p50 ratio full / small, no filter: {results.p50_ratio():.2f}", ""]


def _metric_lines(results: Results) -> list[str]:
    metric = results.metric
    return [
        "## Metric (n = 10**7, in the benchmark process)",
        "",
        "| function | runs | seconds |",
        "|---|---|---:|",
        f"| `calculate_metric_plain()` | best of {metric.plain_runs} | {metric.plain_seconds:.3f} |",
        f"| `calculate_metric()` | median of {metric.fast_runs} | {metric.fast_seconds:.4f} |",
        "",
        f"Speed-up: {metric.speedup:.0f}x",
        "",
    ]


def _jobs_lines(results: Results) -> list[str]:
    jobs = results.jobs
    return [
        f"## Job overhead ({jobs.jobs} metric jobs in sequence; POST /launch, then GET /get_result every 10 ms)",
        "",
        "| | p50 ms | p90 ms |",
        "|---|---:|---:|",
        f"| wall: before POST -> `succeeded` seen | {jobs.wall_ms[0]:.0f} | {jobs.wall_ms[1]:.0f} |",
        f"| compute: the job's `duration` | {jobs.duration_ms[0]:.0f} | {jobs.duration_ms[1]:.0f} |",
        f"| overhead: wall - duration | {jobs.overhead_ms[0]:.0f} | {jobs.overhead_ms[1]:.0f} |",
        "",
    ]


def markdown(results: Results) -> str:
    sections = (_header, _target_lines, _load_lines, _logs_lines, _metric_lines, _jobs_lines)
    return "\n".join(line for section in sections for line in section(results))


def publish(results: Results, path: Path = RESULTS) -> None:
    """Write ``results.md`` and print it, then each target with PASS/FAIL."""
    text = markdown(results)
    path.write_text(text)
    print(f"\n{text}")
    print(f"written to {path}\n")
    for target in targets(results):
        print(f"{target.verdict}  {target.name}: {target.figure} (target {target.limit})")
    failed = [target.name for target in targets(results) if not target.passed]
    print(f"\n{'ALL TARGETS PASS' if not failed else f'{len(failed)} TARGET(S) FAILED: ' + ', '.join(failed)}")
