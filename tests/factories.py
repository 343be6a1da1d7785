"""Shared builders: small CSV files and the reference answers computed straight from them."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from chalicelib.records.tables import RecordTable


def write_csv(path: Path, header: list[str], rows: list[list[Any]]) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    return path


def reference_latest(
    table: RecordTable, path: Path, *, from_date: str | None = None, user_id: str | None = None, limit: int = 100
) -> list[dict[str, Any]]:
    """``/logs`` computed independently: read the whole file, filter, sort, cut."""
    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    records = []
    for position, row in enumerate(rows):
        record: dict[str, Any] = {
            column.name: int(row[column.name]) if column.kind == "int" else row[column.name] for column in table.columns
        }
        if from_date and record["date"] < from_date:
            continue
        if user_id and record["user_id"] != user_id:
            continue
        records.append((record["date"], record[table.id_column], position, record))
    records.sort(key=lambda entry: entry[:3], reverse=True)
    return [entry[3] for entry in records[:limit]]
