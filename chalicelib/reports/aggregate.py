"""Totals of plays per (song, date) for CSV files larger than memory, on DuckDB (pure: no AWS).

Input ``Song,Date,Number of Plays`` (many rows per song and day, unsorted); output
``Song,Date,Total Number of Plays for Date``, one row per song and date, in no particular order.

DuckDB does the heavy lifting: a streaming, parallel CSV reader feeds a hash aggregation and
the totals stream to the output file, so input and output never sit in memory. Time O(n) in
the input rows; memory O(distinct pairs). DuckDB is meant to partition the groups and spill
them to ``temp_dir`` beyond ``memory_mb``, but 1.2 (the newest release with wheels for Lambda's
python3.11) stops with "Out of Memory" instead when millions of distinct pairs exceed the limit,
so callers give it room (``REPORT_MEMORY_MB``, 1 GB by default); see the README's open limit.

Rows are checked, not trusted: a song that is empty, a date that is not ``YYYY-MM-DD`` (a real
date), plays that are not a whole number >= 0, or a row with the wrong number of fields is
counted as invalid and left out, and the first ones are reported with their line numbers.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import duckdb

HEADER = ["Song", "Date", "Number of Plays"]
OUTPUT_HEADER = ("Song", "Date", "Total Number of Plays for Date")
MAX_REPORTED_ERRORS = 20
_MAX_PLAYS_DIGITS = 18  # sums of up to ~10**18 stay exact in DuckDB's 128-bit sum
# DuckDB records at most this many unsplittable lines (its rejects table has no memory bound).
_REJECTS_LIMIT = 1000
# The CSV reader's buffer (DuckDB's default is 32 MB per buffer): small enough for small budgets.
_BUFFER_BYTES = 8 << 20

_VALID = f"""
    Song <> ''
    AND length(Date) = 10 AND substr(Date, 5, 1) = '-' AND substr(Date, 8, 1) = '-'
    AND TRY_CAST(Date AS DATE) IS NOT NULL
    AND length(Plays) BETWEEN 1 AND {_MAX_PLAYS_DIGITS} AND ltrim(Plays, '0123456789') = ''
"""


class BadFile(ValueError):
    """The file cannot be aggregated at all (no file, wrong header)."""


@dataclass
class Aggregation:
    rows_in: int = 0
    rows_invalid: int = 0
    pairs: int = 0
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"rows_in": self.rows_in, "rows_invalid": self.rows_invalid, "pairs": self.pairs, "errors": self.errors}


def check_header(first_bytes: bytes) -> None:
    """Refuse a file whose first line is not ``Song,Date,Number of Plays``."""
    text = first_bytes.decode("utf-8-sig", errors="replace")
    first_line = text.splitlines()[0] if text else ""
    found = next(csv.reader([first_line]), [])
    if [name.strip() for name in found] != HEADER:
        raise BadFile(f"header: expected {','.join(HEADER)}, found {first_line[:200]!r}")


def aggregate(source: Path, target: Path, *, memory_mb: int = 256, temp_dir: Path, threads: int = 2) -> Aggregation:
    """Write the totals of ``source`` to ``target``; DuckDB is given ``memory_mb`` (see the module's note)."""
    with source.open("rb") as handle:
        check_header(handle.read(4096))
    temp_dir.mkdir(parents=True, exist_ok=True)
    config = {
        "memory_limit": f"{memory_mb}MB",
        "temp_directory": str(temp_dir),
        "threads": threads,
        "preserve_insertion_order": False,
    }
    with duckdb.connect(":memory:", config=config) as db:
        db.execute("SET enable_progress_bar = false")  # it would print to the worker's log
        report, value_errors, structural = _totals(db, source, target)
    if structural >= _REJECTS_LIMIT:  # DuckDB stopped recording them: count them all here
        report.errors, invalid = scan_invalid(source)
        report.rows_in += invalid - value_errors - structural
        report.rows_invalid = invalid
    elif report.rows_invalid:
        report.errors, _ = scan_invalid(source, stop_after=report.rows_invalid)
    return report


def _totals(db: duckdb.DuckDBPyConnection, source: Path, target: Path) -> tuple[Aggregation, int, int]:
    """The totals, the rows with invalid values, and the rows DuckDB could not split (up to the limit)."""
    db.execute(
        f"""
        CREATE TEMP TABLE totals AS
        SELECT Song, Date, sum(TRY_CAST(Plays AS HUGEINT)) FILTER (WHERE valid) AS total, count(*) AS n,
               count(*) FILTER (WHERE NOT valid) AS bad
        FROM (SELECT Song, Date, Plays, ({_VALID}) AS valid
              FROM read_csv(?, header = true, auto_detect = false, delim = ',', quote = '"', escape = '"',
                            columns = {{'Song': 'VARCHAR', 'Date': 'VARCHAR', 'Plays': 'VARCHAR'}},
                            force_not_null = ['Song', 'Date', 'Plays'], buffer_size = {_BUFFER_BYTES},
                            store_rejects = true, rejects_limit = {_REJECTS_LIMIT}))
        GROUP BY Song, Date
    """,
        [str(source)],
    )
    db.execute(f"""
        COPY (SELECT Song AS "{OUTPUT_HEADER[0]}", Date AS "{OUTPUT_HEADER[1]}", total AS "{OUTPUT_HEADER[2]}"
              FROM totals WHERE total IS NOT NULL)
        TO '{_quoted(target)}' (FORMAT csv, HEADER true, DELIMITER ',')
    """)
    rows, bad, pairs = db.execute(
        "SELECT coalesce(sum(n), 0), coalesce(sum(bad), 0), count(total) FROM totals"
    ).fetchone() or (0, 0, 0)
    rejected = db.execute("SELECT count(DISTINCT line) FROM reject_errors").fetchone()
    structural = int(rejected[0]) if rejected else 0
    report = Aggregation(rows_in=int(rows) + structural, rows_invalid=int(bad) + structural, pairs=int(pairs))
    return report, int(bad), structural


def _quoted(path: Path) -> str:
    return str(path).replace("'", "''")


def row_problem(fields: list[str]) -> str | None:
    """Why a data row is invalid, or None: the same rules as the SQL above, one row at a time."""
    if len(fields) != 3:
        return f"has {len(fields)} fields, expected 3"
    song, day, plays = fields
    if not song:
        return "Song is empty"
    try:
        if len(day) != 10 or day[4] != "-" or day[7] != "-":
            raise ValueError
        date.fromisoformat(day)
    except ValueError:
        return f"Date {day!r} is not a date like 2020-01-31"
    if not (plays.isascii() and plays.isdigit() and len(plays) <= _MAX_PLAYS_DIGITS):
        return f"Number of Plays {plays!r} is not a whole number >= 0"
    return None


def scan_invalid(source: Path, stop_after: int | None = None) -> tuple[list[str], int]:
    """The first invalid rows with their line numbers, and how many invalid rows were seen.

    A second pass in Python, made only when there are invalid rows: it stops once it has seen
    ``stop_after`` of them (the count DuckDB already has), else it reads the whole file.
    """
    found: list[str] = []
    seen = 0
    with source.open(newline="", encoding="utf-8-sig", errors="replace") as handle:
        reader = csv.reader(handle)
        next(reader, None)
        try:
            for fields in reader:
                problem = row_problem(fields) if fields else None
                if problem:
                    seen += 1
                    if len(found) < MAX_REPORTED_ERRORS:
                        found.append(f"line {reader.line_num}: {problem}")
                    if stop_after is not None and seen >= stop_after:
                        break
        except csv.Error as exc:  # e.g. a quote never closed: the rest of the file is one field
            found.append(f"line {reader.line_num}: {exc}; the rest of the file was not checked")
    return found, seen


def read_totals(data: bytes) -> dict[tuple[str, str], int]:
    """Parse an output CSV back (for tests and the command-line client)."""
    rows = list(csv.reader(io.StringIO(data.decode())))
    if not rows or tuple(rows[0]) != OUTPUT_HEADER:
        raise BadFile(f"header: expected {','.join(OUTPUT_HEADER)}")
    return {(song, day): int(total) for song, day, total in rows[1:]}
