"""``make stats``: the figures per kind of job, read from the EMF lines in the local stack's logs.

The worker writes one EMF line each time a job finishes (``chalicelib.telemetry.metrics``); on AWS
CloudWatch makes the metrics ``count`` and ``duration`` of them, by ``kind`` and ``status``. Here
the same lines are read from ``make run``'s logs (``.cache/logs``, or the folders given) and
tabled: for each kind and status, how many jobs finished so, and the 50th and 95th percentiles of
their durations (nearest rank: the value below which that share of the durations lie; a finish
without a duration, e.g. by the dead-letter handler, is counted but has none). ``make run``
starts its logs afresh, so the figures are those of the current (or last) run.

    python -m infra.local.job_stats [FOLDER ...]
"""

from __future__ import annotations

import argparse
import math
import sys
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from infra.local.job_logs import parse_json
from infra.local.stack import CACHE

HEADER = ("kind", "status", "count", "p50 s", "p95 s")


@dataclass
class Figures:
    count: int = 0
    durations: list[float] = field(default_factory=list)

    def percentile(self, share: float) -> float | None:
        """Nearest rank: the smallest duration with at least ``share`` of them at or below it."""
        if not self.durations:
            return None
        ordered = sorted(self.durations)
        return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def emf_lines(lines: Iterable[str]) -> Iterable[dict[str, Any]]:
    """The EMF objects among log lines (JSON with ``_aws`` and a kind and status)."""
    for line in lines:
        fields = parse_json(line.strip()) if '"_aws"' in line else None
        if fields and isinstance(fields.get("_aws"), dict) and "kind" in fields and "status" in fields:
            yield fields


def tally(lines: Iterable[str]) -> dict[tuple[str, str], Figures]:
    """Figures by (kind, status), from the EMF lines among ``lines``."""
    table: dict[tuple[str, str], Figures] = defaultdict(Figures)
    for fields in emf_lines(lines):
        figures = table[(str(fields["kind"]), str(fields["status"]))]
        figures.count += int(fields.get("count", 1))
        if isinstance(fields.get("duration"), int | float):
            figures.durations.append(float(fields["duration"]))
    return dict(table)


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def table(figures: dict[tuple[str, str], Figures]) -> str:
    """A plain-text table, by kind then status."""
    rows = [HEADER] + [
        (kind, status, str(f.count), _seconds(f.percentile(0.5)), _seconds(f.percentile(0.95)))
        for (kind, status), f in sorted(figures.items())
    ]
    widths = [max(len(row[column]) for row in rows) for column in range(len(HEADER))]
    return "\n".join(
        "  ".join(
            cell.ljust(width) if column < 2 else cell.rjust(width)
            for column, (cell, width) in enumerate(zip(row, widths, strict=True))
        )
        for row in rows
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Jobs by kind and status, with p50/p95 durations, from EMF lines.")
    parser.add_argument("folders", nargs="*", type=Path, help="log folders (default: make run's, .cache/logs)")
    args = parser.parse_args(argv)
    folders = args.folders or [CACHE / "logs"]
    files = [path for folder in folders for path in sorted(folder.glob("*.log"))]

    def lines() -> Iterable[str]:
        for path in files:
            with path.open(errors="replace") as handle:
                yield from handle

    figures = tally(lines())
    if not figures:
        print(f"no finished job in {len(files)} log file(s) of {', '.join(map(str, folders))}", file=sys.stderr)
        return 0
    print(table(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
