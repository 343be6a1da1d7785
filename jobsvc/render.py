"""Jobs as text: the list as a table, one job as aligned fields. Pure functions of the API's answers."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from jobsvc.progress import percent

COLUMNS = (
    ("ID", "id"),
    ("KIND", "kind"),
    ("STATUS", "status"),
    ("PROGRESS", "progress"),
    ("CREATED", "created_at"),
    ("DURATION", "duration"),
    ("ATTEMPTS", "attempts"),
    ("NAME", "name"),
)
FIELDS = (
    "id",
    "kind",
    "name",
    "status",
    "progress",
    "attempts",
    "created_at",
    "started_at",
    "finished_at",
    "duration",
    "cancel_requested_at",
    "error",
)


def cell(name: str, value: Any) -> str:
    """One value as the table and the details show it: times to the second, progress in percent."""
    if value is None:
        return "-"
    if name == "progress" and isinstance(value, int | float):
        return percent(float(value)).strip()
    if name == "duration" and isinstance(value, int | float):
        return f"{value:,.1f} s"
    if name.endswith("_at") and isinstance(value, str):
        return value.replace("T", " ")[:19]
    return str(value)


def table(items: Sequence[dict[str, Any]]) -> list[str]:
    """The rows of ``GET /jobs`` under a header, in columns as wide as their widest cell."""
    rows = [[title for title, _ in COLUMNS]]
    rows += [[cell(name, item.get(name)) for _, name in COLUMNS] for item in items]
    widths = [max(len(row[column]) for row in rows) for column in range(len(COLUMNS))]
    return ["  ".join(value.ljust(width) for value, width in zip(row, widths, strict=True)).rstrip() for row in rows]


def details(job: dict[str, Any], extra: dict[str, Any] | None = None) -> list[str]:
    """One job (``GET /jobs/{id}``): its fields, then what its kind adds (``extra``: an import's
    counters, a report's counts), its parameters and its earlier runs (``history``)."""
    shown = {name: job[name] for name in FIELDS if name in job}
    shown |= {name: value for name, value in (extra or {}).items() if name not in job and not isinstance(value, list)}
    width = max(len(name) for name in shown)
    lines = [f"{name.ljust(width)}  {cell(name, value)}" for name, value in shown.items()]
    if job.get("params"):
        lines.append("params")
        lines += [f"  {name}: {json.dumps(value)}" for name, value in sorted(job["params"].items())]
    history = job.get("history") or []
    if history:
        lines.append("history (earlier runs, oldest first)")
        for number, run in enumerate(history, 1):
            parts = [f"{name} {cell(name, run.get(name))}" for name in ("status", "attempts", "started_at", "duration")]
            error = f"  error: {run['error']}" if run.get("error") else ""
            lines.append(f"  {number}. " + ", ".join(parts) + error)
    return lines
