"""The data sets the benchmarks load: a small one (10,000 sales) and the full one.

The full one is ``data/`` when its files have the real size (203,847 sales, 416,481 items: the
generator's output or the real files), else it is generated into a scratch folder (~2 s).
``--quick`` uses a 20,000-sale stand-in for it. The small one is always generated.
"""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from chalicelib.records.loader import count_data_lines
from chalicelib.records.tables import SALES, SALES_DETAIL, RecordTable
from infra import sales_data
from infra.local.stack import ROOT

SMALL_SALES = 10_000
QUICK_SALES = 20_000
DATA_DIR = ROOT / "data"


@dataclass(frozen=True)
class DataSet:
    """A folder holding one CSV file per records table."""

    label: str
    folder: Path

    def path(self, table: RecordTable) -> Path:
        return self.folder / table.csv_file

    def rows(self, table: RecordTable) -> int:
        return count_data_lines(self.path(table))


def small(scratch: Path) -> DataSet:
    sales_data.generate(scratch / "small", sales_rows=SMALL_SALES)
    return DataSet("small", scratch / "small")


def full(scratch: Path, quick: bool) -> DataSet:
    """``data/`` if it is full size (and not ``quick``), else a generated folder."""
    if quick:
        sales_data.generate(scratch / "quick", sales_rows=QUICK_SALES)
        return DataSet("full (quick stand-in)", scratch / "quick")
    in_repo = DataSet("full", DATA_DIR)
    expected = {SALES: sales_data.SALES_ROWS, SALES_DETAIL: sales_data.DETAIL_ROWS}
    if all(in_repo.path(table).exists() and in_repo.rows(table) == rows for table, rows in expected.items()):
        return in_repo
    sales_data.generate(scratch / "full")
    return DataSet("full", scratch / "full")


def busiest_user(data: DataSet) -> str:
    """The ``user_id`` with the most sales in the data set (so the filtered query has records)."""
    with data.path(SALES).open(newline="", encoding="utf-8-sig") as handle:
        counts = Counter(row["user_id"] for row in csv.DictReader(handle))
    return counts.most_common(1)[0][0]
