"""``python -m bench.stacks``: ``GET /logs`` latency and the small data set's load on each local stack,
side by side: the embedded one (DynamoDB Local, moto server) and LocalStack 4.14.0 in host mode.

Each stack is started in turn (``bench.stack.local_stack`` with ``STACK`` set), the small data set
(10,000 sales) loaded, the four ``/logs`` queries of ``bench.logs`` measured, and the stack stopped;
the table goes to ``bench/stacks_results.md``. Same API, runner and data on both: only the AWS
side differs.
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from bench import data, load, logs
from bench.stack import local_stack
from chalicelib.aws import clients, queue
from chalicelib.imports import items
from chalicelib.jobs.model import Job
from chalicelib.records.datasets import Dataset
from infra.local.stack import ROOT, STACKS

RESULTS = ROOT / "bench" / "stacks_results.md"
NAMES = {"embedded": "embedded (DynamoDB Local + moto server)", "localstack": "LocalStack 4.14.0, host mode"}


@dataclass(frozen=True)
class StackFigures:
    stack: str
    load: load.LoadResult
    latencies: list[logs.Latency]


def forget_connections() -> None:
    """Drop this process's cached clients and PynamoDB connections: they name the previous stack."""
    clients.reset()
    queue.queue_url.cache_clear()
    items.transactions.cache_clear()
    for model in (Job, Dataset, items.ImportItem):
        model._connection = None


def measure(stack: str, small: data.DataSet, warmup: int, requests: int) -> StackFigures:
    os.environ["STACK"] = stack
    forget_connections()
    print(f"{NAMES[stack]}:")
    with local_stack() as running:
        loaded = load.load(small, replacing=False)
        latencies = logs.measure(running.urls["api"], data.busiest_user(small), warmup, requests)
    return StackFigures(stack, loaded, latencies)


def markdown(figures: list[StackFigures], warmup: int, requests: int, load_average: tuple[float, float]) -> str:
    now = datetime.now().astimezone().strftime("%Y-%m-%d %H:%M:%S %z")
    lines = [
        "# /logs on each local stack",
        "",
        f"- date: {now}; machine: nproc {os.cpu_count()}, Python {platform.python_version()}",
        f"- 1-minute load average: {load_average[0]:.2f} at the start, {load_average[1]:.2f} at the end",
        f"- `python -m bench.stacks`: the small data set ({data.SMALL_SALES:,} sales), {requests} requests "
        f"per query after {warmup} warm-up, a new HTTP connection per request; same API (`chalice local`) "
        "and runner on both stacks",
        "",
        "| query | " + " | ".join(f"{NAMES[f.stack]} p50 / p90 ms" for f in figures) + " |",
        "|---|" + "---:|" * len(figures),
    ]
    for index, (label, _) in enumerate(logs.queries("")):
        cells = [f"{f.latencies[index].p50_ms:.1f} / {f.latencies[index].p90_ms:.1f}" for f in figures]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    cells = [f"{f.load.seconds:.1f} s ({f.load.rows / f.load.seconds:,.0f} rows/s)" for f in figures]
    lines.append("| *load of the small data set, both tables* | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--stacks", nargs="+", choices=STACKS, default=list(STACKS))
    args = parser.parse_args()
    before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="jobsvc-stacks-") as scratch:
        small = data.small(Path(scratch))
        figures = [measure(stack, small, args.warmup, args.requests) for stack in args.stacks]
    RESULTS.write_text(markdown(figures, args.warmup, args.requests, (before, os.getloadavg()[0])))
    print(f"written to {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
