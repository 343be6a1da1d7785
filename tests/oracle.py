"""What ``GET /logs`` must answer, computed with pandas straight from a CSV: the test oracle.

It reads API.md's rules, not the service's code (nothing from ``chalicelib``): keep the records of
``date >= from_date`` and of ``user_id``, order them newest first (by ``date``, then ``sale_id``,
both descending; a sale's detail rows, which share both, by their place among the sale's rows in
the file, last first: docs/ARCHITECTURE.md, "Why these keys"), keep the first 100. pandas is a
test-only dependency (requirements-dev.txt): it never enters the Lambda package."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

# API.md: text columns are strings (a user_id of digits too), every other column an integer.
TEXT_COLUMNS = frozenset({"date", "user_id", "good"})
LIMIT = 100


def read_table(path: Path) -> pd.DataFrame:
    """A CSV as the API types it: text columns as strings, the rest as integers, in file order."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    for column in frame.columns:
        if column not in TEXT_COLUMNS:
            frame[column] = frame[column].astype("int64")
    return frame


def expected_logs(
    frame: pd.DataFrame, *, from_date: str | None = None, user_id: str | None = None, limit: int = LIMIT
) -> list[dict[str, Any]]:
    """The records ``GET /logs`` must return for a table read by ``read_table``."""
    ranked = frame.assign(
        _moment=pd.to_datetime(frame["date"], format="%Y-%m-%d %H:%M:%S"),
        _item=frame.groupby("sale_id").cumcount(),
    )
    if from_date is not None:
        ranked = ranked[ranked["_moment"] >= pd.Timestamp(from_date)]
    if user_id is not None:
        ranked = ranked[ranked["user_id"] == user_id]
    newest = ranked.sort_values(["_moment", "sale_id", "_item"], ascending=False, kind="stable").head(limit)
    records: list[dict[str, Any]] = newest.drop(columns=["_moment", "_item"]).to_dict("records")
    return records


def latest(path: Path, *, from_date: str | None = None, user_id: str | None = None) -> list[dict[str, Any]]:
    """The records ``GET /logs`` must return for the table loaded from the CSV at ``path``."""
    return expected_logs(read_table(path), from_date=from_date, user_id=user_id)
