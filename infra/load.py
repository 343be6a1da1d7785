"""Load the CSV files of the records tables into DynamoDB, with progress: ``make load``.

    python -m infra.load [--table sales] [--data data/] [--threads 8] [--chunk-rows 2000] [--replace]

A missing file of the default data set is generated first (``infra.sales_data``).
Bad rows are counted and the first ones printed with their line numbers.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from chalicelib.records.loader import LoadError, LoadProgress, load_csv
from chalicelib.records.tables import TABLES, RecordTable
from infra import sales_data

_last_printed = [0.0]


def _print_progress(progress: LoadProgress) -> None:
    """One updating line on a terminal; a line every 10 seconds in a log."""
    if not sys.stdout.isatty() and time.monotonic() - _last_printed[0] < 10:
        return
    _last_printed[0] = time.monotonic()
    percent = 100 * progress.rows_done / progress.rows_total if progress.rows_total else 100.0
    line = (
        f"  {progress.table}: {progress.rows_done:,}/{progress.rows_total:,} rows ({percent:.0f}%), "
        f"{progress.rate:,.0f} rows/s, {progress.rows_invalid:,} invalid"
    )
    sys.stdout.write(f"\r{line}   " if sys.stdout.isatty() else f"{line}\n")
    sys.stdout.flush()


def ensure_files(data: Path, tables: list[RecordTable]) -> None:
    if any(not (data / table.csv_file).exists() for table in tables):
        print(f"generating the sales data set in {data}/ (deterministic, the original's shape)")
        sales_data.generate(data)


def load_tables(
    data: Path, tables: list[RecordTable], threads: int = 8, replace: bool = False, chunk_rows: int = 2000
) -> bool:
    """Load each table; print a summary per table. False if any table could not be loaded."""
    ensure_files(data, tables)
    ok = True
    for table in tables:
        try:
            report = load_csv(
                table,
                data / table.csv_file,
                threads=threads,
                chunk_rows=chunk_rows,
                on_progress=_print_progress,
                replace=replace,
            )
        except LoadError as exc:
            print(f"  {table.name}: not loaded: {exc}")
            ok = False
            continue
        if report.skipped:
            print(f"  {table.name}: already loaded from this file ({report.rows_done:,} rows)")
        else:
            resumed = f", resumed at line {report.resumed_from_line:,}" if report.resumed_from_line > 1 else ""
            summary = (
                f"  {table.name}: {report.rows_done:,} rows loaded in {report.seconds:.1f} s "
                f"({report.rate:,.0f} rows/s){resumed}, {report.rows_invalid:,} invalid"
            )
            print(f"\r{summary}{' ' * 20}" if sys.stdout.isatty() else summary)
        for error in report.errors:
            print(f"    {table.csv_file} {error}")
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--table", action="append", choices=sorted(TABLES), help="table(s) to load (default: all)")
    parser.add_argument("--data", type=Path, default=Path("data"), help="folder with the CSV files")
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--chunk-rows", type=int, default=2000, help="rows per write task (one thread's batch)")
    parser.add_argument("--replace", action="store_true", help="replace a table loaded from another file")
    args = parser.parse_args()
    tables = [TABLES[name] for name in (args.table or TABLES)]
    sys.exit(0 if load_tables(args.data, tables, args.threads, args.replace, args.chunk_rows) else 1)


if __name__ == "__main__":
    main()
