"""A benchmark target and how every benchmark reports it: a markdown table and PASS/FAIL lines."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Target:
    name: str
    figure: str
    limit: str
    passed: bool | None  # None: not measured

    @property
    def verdict(self) -> str:
        return {True: "PASS", False: "FAIL", None: "SKIP"}[self.passed]


def section(title: str, header: str, align: str) -> list[str]:
    """The start of a results file's section: ``## title``, then a table's header and alignment lines."""
    return [f"## {title}", "", header, align]


def table(targets: Sequence[Target]) -> list[str]:
    """The ``## Targets`` section of a results file."""
    lines = section("Targets", "| target | figure | limit | result |", "|---|---:|---:|---|")
    lines += [f"| {t.name} | {t.figure} | {t.limit} | {t.verdict} |" for t in targets]
    return [*lines, ""]


def publish(text: str, path: Path, targets: Sequence[Target]) -> None:
    """Write the results file, print it, then each target with its verdict."""
    path.write_text(text)
    print(f"\n{text}")
    print(f"written to {path}\n")
    for target in targets:
        print(f"{target.verdict}  {target.name}: {target.figure} (target {target.limit})")
