"""Load time of the records tables: each CSV file through ``load_csv(..., threads=8)``, rows/s per table.

Why: loading is the slow step of a fresh stack (``/logs`` answers 503 until it ends); the target is
the whole full data set in at most 300 s. When a data set replaces another, the old items are
deleted first and timed apart (``clear_seconds``), so ``seconds`` is the load alone; ``load_csv``
is still called with ``replace=True``, so it records the new file (its own clear finds nothing).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from bench.data import DataSet
from chalicelib.config import get_settings
from chalicelib.records.loader import clear_table, load_csv
from chalicelib.records.tables import TABLES

THREADS = 8


@dataclass(frozen=True)
class TableLoad:
    table: str
    rows: int
    invalid: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


@dataclass(frozen=True)
class LoadResult:
    data: str
    tables: list[TableLoad]
    seconds: float  # wall time of all the tables' loads
    clear_seconds: float = 0.0  # deleting the previous data set's items, not counted in ``seconds``

    @property
    def rows(self) -> int:
        return sum(table.rows for table in self.tables)


def clear_tables() -> float:
    """Delete every item of every records table; the seconds it took."""
    started = time.perf_counter()
    for table in TABLES.values():
        clear_table(get_settings().records_table(table.name))
    return time.perf_counter() - started


def load(data: DataSet, *, replacing: bool) -> LoadResult:
    """Load every table of ``data``; clear the tables first (timed apart) when ``replacing``."""
    clear_seconds = clear_tables() if replacing else 0.0
    loads = []
    started = time.perf_counter()
    for table in TABLES.values():
        report = load_csv(table, data.path(table), threads=THREADS, replace=True)
        if report.skipped:
            raise RuntimeError(f"{table.name}: load skipped: the table already holds {data.path(table)}")
        loads.append(TableLoad(table.name, report.rows_done, report.rows_invalid, report.seconds))
        print(
            f"  {data.label} {table.name}: {report.rows_done:,} rows in {report.seconds:.1f} s "
            f"({report.rate:,.0f} rows/s), {report.rows_invalid:,} invalid"
        )
    return LoadResult(data.label, loads, time.perf_counter() - started, clear_seconds)
