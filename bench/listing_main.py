"""``python -m bench.listing_main [--quick]``: ``GET /jobs`` at 100 and at 100,000 stored jobs on a
private local stack; figures to ``bench/listing_results.md``.

Why a separate entry: it needs 100,000 job records in DynamoDB Local and a stack of its own (the
records stay), and takes a few minutes. See ``bench.listing`` for what is measured and how.

A report, not a gate: a failed target is printed as FAIL and written down; the exit code is 0.
"""

from __future__ import annotations

import argparse
import os
import platform
import signal
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from bench import listing
from bench.listing import LARGE, MAX_RATIO, SMALL, TARGET, ListingResult
from bench.stack import local_stack
from bench.targets import Target, table
from bench.targets import publish as publish_results
from chalicelib.jobs import listing as listing_module

RESULTS = Path(__file__).resolve().parent / "listing_results.md"


@dataclass(frozen=True)
class Plan:
    quick: bool
    warmup: int
    requests: int


FULL = Plan(quick=False, warmup=20, requests=200)
QUICK = Plan(quick=True, warmup=5, requests=50)


@dataclass(frozen=True)
class Results:
    plan: Plan
    started: datetime
    load_before: float
    listing: ListingResult
    load_after: float


def run(plan: Plan) -> Results:
    started, load_before = datetime.now().astimezone(), os.getloadavg()[0]
    with local_stack() as stack:
        print(f"GET /jobs with {SMALL} then {LARGE:,} jobs stored...")
        result = listing.measure_listing(stack.urls["api"], plan.warmup, plan.requests)
    return Results(plan, started, load_before, result, os.getloadavg()[0])


def targets(results: Results) -> list[Target]:
    found = results.listing
    ratio = found.ratio()
    figure = f"{ratio:.2f} ({found.p50(TARGET, LARGE):.1f} ms / {found.p50(TARGET, SMALL):.1f} ms)"
    return [Target(f"GET /jobs p50 {LARGE:,} / {SMALL} stored", figure, f"<= {MAX_RATIO}", ratio <= MAX_RATIO)]


def markdown(results: Results) -> str:
    nproc = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    plan, found = results.plan, results.listing
    lines = [
        "# GET /jobs benchmark results",
        "",
        f"- date: {results.started:%Y-%m-%d %H:%M:%S %z}",
        f"- mode: {'quick (`--quick`)' if plan.quick else 'full'}; `python -m bench.listing_main`",
        f"- machine: nproc {nproc}, Python {platform.python_version()}, {platform.system()} {platform.machine()}",
        "- stack: DynamoDB Local (in memory), moto server (SQS, S3), `chalice local`, the local Lambda runner "
        "(private, ports chosen free)",
        f"- jobs: finished records of every kind written with `BatchWriteItem` ({listing.THREADS} threads, "
        f"seed {found.seed}): the {SMALL} newest first, then {LARGE - SMALL:,} older ones (the "
        f"{listing.BULK_DAYS} days before), so the newest pages hold the same records at both sizes",
        f"- 1-minute load average: {results.load_before:.2f} at the start, {results.load_after:.2f} at the end "
        "(2 CPUs, shared with other work)",
        "",
        *table(targets(results)),
        f"## Latency ({plan.requests} requests per query after {plan.warmup} warm-up, a new HTTP connection per "
        "request, `limit` 50)",
        "",
        "| query | stored | p50 ms | p90 ms | p99 ms | items | next_cursor |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for lat in sorted(found.latencies, key=lambda lat: [label for label, _ in listing.QUERIES].index(lat.label)):
        items = ", ".join(str(count) for count in lat.items)
        more = "yes" if lat.more else "null"
        lines.append(
            f"| {lat.label} | {lat.stored:,} | {lat.p50_ms:.1f} | {lat.p90_ms:.1f} | {lat.p99_ms:.1f} | {items} "
            f"| {more} |"
        )
    lines += [""]
    lines += [
        f"1-minute load average while measuring {stored:,} stored: {start:.2f} -> {end:.2f}"
        for stored, (start, end) in found.loads.items()
    ]
    lines += ["", "p50 ratio 100,000 / 100 stored, per query:", ""]
    lines += [f"- {label}: {found.ratio(label):.2f}" for label, _ in listing.QUERIES]
    lines += [
        "",
        "Only the plain listing (and its second page) compares like with like: filtered pages hold fewer "
        "items at 100 stored, where fewer jobs match. With kind and status both given, `by_status` is read "
        "and the kind filtered (up to 4 entries read per item still wanted, at most "
        f"{listing_module.MAX_READ:,} a page): at 100,000 stored that page reads about 200 entries to list 50.",
    ]
    lines += ["", "## Writing the records", "", "| records | seconds | records/s | stored after |"]
    lines.append("|---:|---:|---:|---:|")
    lines += [f"| {fill.written:,} | {fill.seconds:.1f} | {fill.rate:,.0f} | {fill.stored:,} |" for fill in found.fills]
    return "\n".join([*lines, ""])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help=f"fewer requests per query (still {LARGE:,} jobs)")
    args = parser.parse_args()
    # SIGTERM (``kill``, CI timeouts) unwinds like Ctrl-C, so the stack is still stopped.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    results = run(QUICK if args.quick else FULL)
    publish_results(markdown(results), RESULTS, targets(results))


if __name__ == "__main__":
    main()
