"""``python -m bench.reports_main [--quick]``: play-count report benchmarks; figures to ``bench/reports_results.md``.

Why a separate entry: the reports benchmark needs large generated files (100 MB and 1 GB, or
20 MB and 100 MB with ``--quick``) and minutes of CPU, so it runs on its own, not inside
``python -m bench``.

Order: the aggregations first, before any server runs (nothing else competes for the two CPUs
DuckDB is given): per input, ``aggregate(memory_mb=256)`` and plain DuckDB five times, alternating
(the median run's time counts, the highest peak RSS), then the memory sweep when 256 does not keep
the child within 256 MiB; then a private local stack starts (free
ports, never 8000) for the round trip through the API and the transfer rates. Generated files live
in a scratch folder under /tmp, deleted at the end; outputs are deleted as soon as they are compared.

A report, not a gate: a failed target is printed as FAIL and written down; the exit code is 0.
"""

from __future__ import annotations

import argparse
import os
import platform
import signal
import sys
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb

from bench import reports
from bench.reports import MB, MEMORY_MB, RSS_LIMIT_MIB, Agreement, ChildRun, PlaysInput, StackResult
from bench.stack import local_stack
from bench.targets import Target, section, table
from bench.targets import publish as publish_results

RESULTS = Path(__file__).resolve().parent / "reports_results.md"
MIN_PAIRS = 5_000_000
MAX_SLOWDOWN = 2.0
REPEATS = 5  # the median of five: on this VM one run in three can be 20 % off


@dataclass(frozen=True)
class Plan:
    quick: bool
    small_bytes: int
    large_bytes: int


FULL = Plan(quick=False, small_bytes=100 * MB, large_bytes=1000 * MB)
QUICK = Plan(quick=True, small_bytes=20 * MB, large_bytes=100 * MB)


@dataclass
class InputResults:
    """Everything measured on one input file."""

    source: PlaysInput
    ours: ChildRun
    duckdb: ChildRun
    sweep: list[ChildRun]
    agreement: Agreement | None
    others: list[ChildRun] = field(default_factory=list)  # the repeats not taken as the median

    @property
    def runs(self) -> list[ChildRun]:
        return [self.ours, self.duckdb, *self.others, *self.sweep]

    def highest_rss(self) -> ChildRun:
        """Of the repeats of aggregate(memory_mb=256), the one that peaked highest."""
        ours = [self.ours, *(run for run in self.others if run.tool == self.ours.tool)]
        return max(ours, key=lambda run: run.peak_rss_mib)

    def fitting(self) -> ChildRun | None:
        """The largest ``memory_mb`` whose run succeeded within the RSS limit."""
        fits = [run for run in (self.ours, *self.sweep) if run.fits]
        return max(fits, key=lambda run: run.memory_mb or 0) if fits else None

    def smallest_working(self) -> ChildRun | None:
        working = [run for run in (self.ours, *self.sweep) if run.ok]
        return min(working, key=lambda run: run.memory_mb or 0) if working else None

    def slowdown(self) -> float | None:
        if not (self.ours.ok and self.duckdb.ok and self.duckdb.seconds):
            return None
        return self.ours.seconds / self.duckdb.seconds

    def pairs(self) -> int | None:
        return self.duckdb.pairs if self.duckdb.ok else self.ours.pairs


@dataclass
class Results:
    plan: Plan
    started: datetime
    load_before: float
    baseline: ChildRun
    inputs: list[InputResults] = field(default_factory=list)
    stack: StackResult | None = None
    load_after: float = 0.0


def measure_input(source: PlaysInput, scratch: Path) -> InputResults:
    ours_path, reference_path, sweep_path = scratch / "ours.csv", scratch / "duckdb.csv", scratch / "sweep.csv"
    try:
        ours_runs, duckdb_runs = [], []
        for _ in range(REPEATS):  # alternating, so that a busy moment slows both alike
            ours_runs.append(reports.run_aggregate(source, ours_path, MEMORY_MB, scratch))
            duckdb_runs.append(reports.run_duckdb(source, reference_path, scratch))
        ours, duckdb_run = _median(ours_runs), _median(duckdb_runs)
        others = [run for run in (*ours_runs, *duckdb_runs) if run is not ours and run is not duckdb_run]
        sweep = reports.memory_sweep(source, ours, sweep_path, scratch)
        checked = ours if ours.ok else (sweep[-1] if sweep and sweep[-1].ok else None)
        agreement = None
        if checked is not None and duckdb_run.ok:
            label = f"{source.label}, memory_mb={checked.memory_mb}"
            agreement = reports.compare(label, ours_path if checked is ours else sweep_path, reference_path)
            print(f"  totals equal DuckDB's ({label}): {'yes' if agreement.same else 'NO'}: {agreement.detail}")
    finally:
        for path in (ours_path, reference_path, sweep_path):
            path.unlink(missing_ok=True)
    return InputResults(source, ours, duckdb_run, sweep, agreement, others)


def _median(runs: list[ChildRun]) -> ChildRun:
    """The run of median time among the successful ones (else the first)."""
    ok = sorted((run for run in runs if run.ok), key=lambda run: run.seconds)
    return ok[len(ok) // 2] if ok else runs[0]


def run(plan: Plan, scratch: Path, skip_stack: bool) -> Results:
    results = Results(plan, datetime.now().astimezone(), os.getloadavg()[0], reports.run_baseline(scratch))
    inputs = []
    for size in (plan.small_bytes, plan.large_bytes):
        label = f"{size / 1000 / MB:g} GB" if size >= 1000 * MB else f"{size / MB:g} MB"
        print(f"{label} input: generate, aggregate with memory_mb={MEMORY_MB}, plain DuckDB...")
        source = reports.make_input(scratch, label, size)
        inputs.append(source)
        results.inputs.append(measure_input(source, scratch))
    if skip_stack:
        results.stack = StackResult(False, "skipped: --no-stack", 0)
    else:
        with local_stack() as stack:
            results.stack = reports.measure_stack(stack.urls["api"], inputs[0], inputs[1])
    results.load_after = os.getloadavg()[0]
    return results


def _rss_target(item: InputResults) -> Target:
    run = item.highest_rss()
    figure = f"{run.peak_rss_mib:.0f} MiB" if run.ok else f"failed ({run.peak_rss_mib:.0f} MiB at the failure)"
    return Target(
        f"highest peak RSS of the child, aggregate(memory_mb=256), {item.source.label}",
        figure,
        f"<= {RSS_LIMIT_MIB} MiB",
        run.fits,
    )


def _speed_target(item: InputResults) -> Target:
    slowdown = item.slowdown()
    name = f"time, aggregate(memory_mb=256) / plain DuckDB, {item.source.label}"
    if slowdown is None:
        failed = "aggregate" if not item.ours.ok else "DuckDB"
        return Target(name, f"{failed} failed", f"<= {MAX_SLOWDOWN:.0f}x", False)
    figure = f"{slowdown:.2f}x ({item.ours.seconds:.1f} s / {item.duckdb.seconds:.1f} s)"
    return Target(name, figure, f"<= {MAX_SLOWDOWN:.0f}x", slowdown <= MAX_SLOWDOWN)


def _agreement_target(item: InputResults) -> Target:
    name = f"totals equal plain DuckDB's, {item.source.label}"
    if item.agreement is None:
        return Target(name, "not compared (a run failed)", "equal", None)
    return Target(
        f"totals equal plain DuckDB's, {item.agreement.input}", item.agreement.detail, "equal", item.agreement.same
    )


def targets(results: Results) -> list[Target]:
    found: list[Target] = []
    for item in results.inputs:
        found += [_rss_target(item), _speed_target(item), _agreement_target(item)]
    large = results.inputs[-1]
    if not results.plan.quick:
        pairs = large.pairs()
        found.append(
            Target(
                f"distinct (song, date) pairs, {large.source.label} input",
                f"{pairs or 0:,}",
                f">= {MIN_PAIRS:,}",
                pairs is not None and pairs >= MIN_PAIRS,
            )
        )
    stack = results.stack
    whole = stack.end_to_end if stack else None
    name = f"report end to end via the API, {results.inputs[0].source.label}"
    if whole is None:
        found.append(Target(name, stack.note if stack else "not run", "succeeded", None))
    else:
        found.append(
            Target(name, f"{whole.status} in {whole.total_seconds:.1f} s", "succeeded", whole.status == "succeeded")
        )
    return found


def _header(results: Results) -> list[str]:
    nproc = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    plan = results.plan
    mode = "quick (`--quick`: 20 MB and 100 MB inputs)" if plan.quick else "full (100 MB and 1 GB inputs)"
    return [
        "# Play-count report benchmark results",
        "",
        f"- date: {results.started:%Y-%m-%d %H:%M:%S %z}",
        f"- mode: {mode}; `python -m bench.reports_main`",
        f"- machine: nproc {nproc}, {memory:.0f} GiB RAM, Python {platform.python_version()}, DuckDB "
        f"{duckdb.__version__}, {platform.system()} {platform.machine()}",
        f"- inputs: `infra.plays_data.generate(..., songs={reports.SONGS:,}, days={reports.DAYS})`; "
        f"MB = 10**6 bytes, MiB = 2**20 bytes; DuckDB threads = {reports.THREADS} in every run",
        "- every aggregation runs in a fresh child interpreter; peak RSS is that child's `VmHWM` "
        "(/proc/self/status when the call returned or failed), interpreter and DuckDB included; seconds are "
        "timed inside the child around the call (a failed run: until the error)",
        f"- 1-minute load average: {results.load_before:.2f} at the start, {results.load_after:.2f} at the end",
        "",
    ]


def _target_lines(results: Results) -> list[str]:
    return table(targets(results))


def _input_lines(results: Results) -> list[str]:
    lines = section("Inputs", "| input | bytes | rows | generated in | MB/s |", "|---|---:|---:|---:|---:|")
    lines += [
        f"| {s.label} | {s.bytes:,} | {s.rows:,} | {s.seconds:.1f} s | {s.bytes / MB / s.seconds:,.0f} |"
        for s in (item.source for item in results.inputs)
    ]
    return [*lines, ""]


def _run_row(run: ChildRun) -> str:
    setting = str(run.memory_mb) if run.memory_mb else "default"
    if not run.ok:
        return (
            f"| {run.input} | {run.tool} | {setting} | **failed**: {run.error} | {run.seconds:.1f} | - "
            f"| {run.peak_rss_mib:.0f} | - |"
        )
    return (
        f"| {run.input} | {run.tool} | {setting} | ok | {run.seconds:.1f} | {run.mb_per_s:.0f} "
        f"| {run.peak_rss_mib:.0f} | {run.pairs:,} |"
    )


def _run_lines(results: Results) -> list[str]:
    lines = section(
        "Aggregation runs (each in a child process)",
        "| input | what | memory_mb | result | seconds | MB/s | peak RSS MiB | pairs |",
        "|---|---|---:|---|---:|---:|---:|---:|",
    )
    for item in results.inputs:
        lines += [_run_row(run) for run in item.runs]
    base = results.baseline
    return [
        *lines,
        "",
        f"Floor: a child that only imports DuckDB and `chalicelib.reports.aggregate` and opens a connection "
        f"peaks at {base.peak_rss_mib:.0f} MiB.",
        "",
    ]


def _versus(item: InputResults, run: ChildRun) -> str:
    """``run``'s time as a multiple of plain DuckDB's, when both succeeded."""
    if not (run.ok and item.duckdb.ok and item.duckdb.seconds):
        return ""
    return f", {run.seconds / item.duckdb.seconds:.2f}x plain DuckDB's time"


def _setting_line(item: InputResults) -> str:
    fits, working = item.fitting(), item.smallest_working()
    tried = ", ".join(str(run.memory_mb) for run in (item.ours, *item.sweep))
    if fits is not None:
        answer = (
            f"**memory_mb={fits.memory_mb}** keeps the whole child within {RSS_LIMIT_MIB} MiB "
            f"(peak {fits.peak_rss_mib:.0f} MiB, {fits.seconds:.1f} s, {fits.mb_per_s:.0f} MB/s{_versus(item, fits)})"
        )
    else:
        answer = f"**no setting tried keeps the child within {RSS_LIMIT_MIB} MiB and succeeds**"
    if working is None:
        smallest = "none of them succeeded"
    else:
        smallest = (
            f"the smallest that succeeds is memory_mb={working.memory_mb} (peak {working.peak_rss_mib:.0f} MiB, "
            f"{working.seconds:.1f} s{_versus(item, working)})"
        )
    return f"- {item.source.label}: {answer}; tried {tried}; {smallest}."


def _setting_lines(results: Results) -> list[str]:
    return [
        f"## memory_mb that keeps the child's total RSS within {RSS_LIMIT_MIB} MiB",
        "",
        *[_setting_line(item) for item in results.inputs],
        "",
    ]


def _stack_lines(results: Results) -> list[str]:
    stack = results.stack
    lines = ["## Through the local stack (moto S3, `chalice local`, the local Lambda runner)", ""]
    if stack is None or not stack.available:
        return [*lines, stack.note if stack else "not run", ""]
    lines += [f"Worker setting: REPORT_MEMORY_MB={stack.report_memory_mb}.", ""]
    lines += ["| what | bytes | seconds | MB/s |", "|---|---:|---:|---:|"]
    whole = stack.end_to_end
    transfers = [stack.put, stack.get, whole.download if whole else None]
    lines += [f"| {t.what} | {t.bytes:,} | {t.seconds:.2f} | {t.mb_per_s:.0f} |" for t in transfers if t is not None]
    if whole is not None:
        duration = f"{whole.job_duration:.1f} s" if whole.job_duration is not None else "-"
        lines += [
            "",
            f"One report end to end, {whole.input}: **{whole.status}**, **{whole.total_seconds:.1f} s** in all "
            f"(upload {whole.upload_seconds:.1f} s, POST /reports -> finished seen {whole.report_seconds:.1f} s "
            f"(polled every 0.5 s), the job's own duration {duration}, "
            f"download {whole.download.seconds if whole.download else 0:.2f} s); pairs {whole.pairs}."
            + (f" Error: {whole.error}" if whole.error else ""),
        ]
    return [*lines, ""]


def markdown(results: Results) -> str:
    sections = (_header, _target_lines, _input_lines, _run_lines, _setting_lines, _stack_lines)
    return "\n".join(line for section in sections for line in section(results))


def publish(results: Results, path: Path = RESULTS) -> None:
    """Write ``reports_results.md`` and print it, then each target with PASS/FAIL."""
    publish_results(markdown(results), path, targets(results))
    for line in _setting_lines(results)[2:]:
        print(line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="20 MB and 100 MB inputs instead of 100 MB and 1 GB")
    parser.add_argument("--no-stack", action="store_true", help="only the aggregations; no local stack")
    args = parser.parse_args()
    # SIGTERM (``kill``, CI timeouts) unwinds like Ctrl-C, so the stack is still stopped and files deleted.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    with tempfile.TemporaryDirectory(prefix="jobsvc-bench-reports-", dir="/tmp") as scratch:
        publish(run(QUICK if args.quick else FULL, Path(scratch), args.no_stack))


if __name__ == "__main__":
    main()
