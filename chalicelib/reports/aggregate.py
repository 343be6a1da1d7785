"""Totals of plays per (song, date) for CSV files larger than memory, on DuckDB (pure: no AWS).

Input ``Song,Date,Number of Plays`` (many rows per song and day, unsorted); output
``Song,Date,Total Number of Plays for Date``, one row per song and date, in no particular order.

An external hash aggregation in two passes, DuckDB doing the heavy lifting in each:

1. DuckDB's streaming CSV reader checks every row and writes it, typed (date, integer), to one of
   ``P`` Parquet partition files chosen by a hash of (song, date); invalid rows go to a partition
   of their own, where they are only counted. ``P`` is sized from the file so that one partition's
   groups fit the memory budget even if every row were a distinct pair;
2. each partition is aggregated on its own (a DuckDB hash aggregation that fits in memory) and
   its totals appended to the output.

Input and output stream through disk, never memory; memory is bounded by one partition's groups
plus a fixed overhead, within ``memory_mb`` in all. Time O(n): the input is read once and the
partitions, smaller than it (typed, uncompressed Parquet), are written and read once more. Why
Parquet and not CSV for the partitions: no quoting to write and no text to parse again, fixed-width
dates and counts (measured on 1 GB: pass 1 30 % and the whole 35 % less CPU than with CSV parts).
DuckDB's own spilling is not relied on: 1.2 (the newest release with wheels for Lambda's
python3.11) stops with "Out of Memory" instead of spilling when millions of groups exceed its
limit. See docs/REPORTS.md.

Rows are checked, not trusted: a song that is empty or holds a NUL byte, a date that is not
``YYYY-MM-DD`` (a real date), plays that are not a whole number >= 0, or a row with the wrong
number of fields is counted as invalid and left out, and the first ones are reported with their
line numbers (``csvfile``: the format and its rules, row by row in Python, for the line numbers).
A line over ``csvfile.MAX_LINE_BYTES`` fails the whole file first, with its line number.
"""

from __future__ import annotations

import math
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import duckdb

from chalicelib.reports.csvfile import (
    MAX_PLAYS_DIGITS,
    OUTPUT_HEADER,
    check_header,
    check_line_lengths,
    scan_invalid,
)

# The constants below were measured; the figures behind each are in docs/REPORTS.md, "The constants".
# DuckDB records at most this many unsplittable lines (its rejects table has no memory bound).
_REJECTS_LIMIT = 1000
# Memory outside DuckDB's limit: the interpreter, DuckDB's code, allocator slack.
_OVERHEAD_MB = 128
# DuckDB's memory per (song, date) group: a fixed part plus a share of the row's length, with a wide margin.
_GROUP_BYTES_FIXED = 320
_GROUP_BYTES_PER_ROW_BYTE = 4
# The CSV reader's buffer (DuckDB's default is 32 MB per buffer): small enough for small budgets.
_BUFFER_BYTES = 8 << 20
# Rows per Parquet row group at most (DuckDB's default is 122,880).
_ROW_GROUP = 16_384
# Scratch Parquet as cheap to write as it gets: no compression, no dictionary encoding.
_PARQUET = f"COMPRESSION uncompressed, ROW_GROUP_SIZE {_ROW_GROUP}, DICTIONARY_SIZE_LIMIT 1"
# Pass 1's share of the time (a little less than measured, so progress never runs ahead).
_AFTER_PASS_1 = 0.6
# Pass 2 estimates the groups per partition on this many partitions, and leaves this margin.
_SAMPLED_PARTITIONS = 4
_ESTIMATE_MARGIN = 1.25
# Partitions that do not fit after all are split again into this many, at most this many times.
_SPLIT_FANOUT = 4
_MAX_SPLITS = 3

# The row rules of ``csvfile.row_problem`` in SQL, over the text read (``DateText``, ``PlaysText``)
# and the date cast once (``Date``), written for speed (CPU per GB of input): a date is strict
# when its digits and dashes are in place (GLOB), the year is not 0000 and it casts; plays by
# RE2; a NUL byte in the song makes the row invalid. Why these forms: docs/REPORTS.md, "The constants".
_VALID = f"""
    Song <> '' AND NOT contains(Song, chr(0))
    AND DateText GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]' AND DateText >= '0001' AND Date IS NOT NULL
    AND regexp_full_match(PlaysText, '[0-9]{{1,{MAX_PLAYS_DIGITS}}}')
"""


@dataclass
class Aggregation:
    rows_in: int = 0
    rows_invalid: int = 0
    pairs: int = 0
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"rows_in": self.rows_in, "rows_invalid": self.rows_invalid, "pairs": self.pairs, "errors": self.errors}


def aggregate(
    source: Path,
    target: Path,
    *,
    memory_mb: int = 256,
    temp_dir: Path,
    threads: int = 2,
    progress: Callable[[float], None] = lambda done: None,
) -> Aggregation:
    """Write the totals of ``source`` to ``target`` within about ``memory_mb`` of memory in all;
    ``progress`` hears the fraction done (0.6 after pass 1, about two thirds of the time)."""
    with source.open("rb") as handle:
        check_header(handle.read(4096))
    check_line_lengths(source)  # DuckDB would drop a line longer than its buffer without a word
    parts = partitions_for(source, memory_mb)
    temp_dir.mkdir(parents=True, exist_ok=True)
    report = Aggregation()
    with tempfile.TemporaryDirectory(dir=temp_dir) as scratch:
        folder = Path(scratch)
        with _duckdb(memory_mb, folder / "spill", threads) as db:
            split, unsplit = _partition(db, source, folder / "parts", parts)
            bad_values = _count_rows(db, _files(folder / "parts", parts))
            progress(_AFTER_PASS_1)
            batches = _batches(db, folder, parts, groups_fitting(source, memory_mb))
            with target.open("wb") as out:
                out.write((",".join(OUTPUT_HEADER) + "\n").encode())
                for number, batch in enumerate(batches, start=1):
                    report.pairs += _aggregate_files(db, batch, out, folder)
                    for name in batch:  # scratch disk: at most the input, the partitions and the output
                        Path(name).unlink()
                    progress(_AFTER_PASS_1 + (1 - _AFTER_PASS_1) * number / len(batches))
    report.rows_in, report.rows_invalid = split + unsplit, bad_values + unsplit
    if unsplit >= _REJECTS_LIMIT:  # DuckDB stopped recording them: count them all here
        report.errors, invalid = scan_invalid(source)
        report.rows_in += invalid - report.rows_invalid
        report.rows_invalid = invalid
    elif report.rows_invalid:
        report.errors, _ = scan_invalid(source, stop_after=report.rows_invalid)
    return report


def partitions_for(source: Path, memory_mb: int) -> int:
    """How many hash partitions keep one partition's (song, date) groups within the budget, even if
    every row were a distinct pair (rows and their length estimated from three 1 MB samples)."""
    row_bytes = _average_row_bytes(source)
    return max(1, math.ceil(source.stat().st_size / row_bytes / _groups_fitting(row_bytes, memory_mb)))


def groups_fitting(source: Path, memory_mb: int) -> int:
    """How many (song, date) groups of this file's rows one DuckDB aggregation holds in the budget."""
    return _groups_fitting(_average_row_bytes(source), memory_mb)


def _groups_fitting(row_bytes: float, memory_mb: int) -> int:
    group_bytes = _GROUP_BYTES_FIXED + _GROUP_BYTES_PER_ROW_BYTE * row_bytes
    return max(1, int((_duckdb_mb(memory_mb) << 20) / group_bytes))


def _average_row_bytes(source: Path, sample_bytes: int = 1 << 20) -> float:
    """The average line length in samples from the start, the middle and the end of the file."""
    size = source.stat().st_size
    read = lines = 0
    with source.open("rb") as handle:
        for offset in sorted({0, max(size // 2 - sample_bytes // 2, 0), max(size - sample_bytes, 0)}):
            handle.seek(offset)
            sample = handle.read(sample_bytes)
            read, lines = read + len(sample), lines + sample.count(b"\n")
    return max(read / max(lines, 1), 1.0)


def _duckdb_mb(memory_mb: int) -> int:
    return max(memory_mb - _OVERHEAD_MB, 64)


def _duckdb(memory_mb: int, spill: Path, threads: int) -> duckdb.DuckDBPyConnection:
    spill.mkdir(parents=True, exist_ok=True)
    config = {
        "memory_limit": f"{_duckdb_mb(memory_mb)}MB",
        "temp_directory": str(spill),
        "threads": threads,
        "preserve_insertion_order": False,
    }
    db = duckdb.connect(":memory:", config=config)
    db.execute("SET enable_progress_bar = false")  # it would print to the worker's log
    return db


def _partition(db: duckdb.DuckDBPyConnection, source: Path, folder: Path, parts: int) -> tuple[int, int]:
    """Pass 1: every row, checked, into the partition its (song, date) hashes to; invalid rows into
    partition ``parts``. Returns the rows written and the lines DuckDB could not split into fields
    (those up to the limit)."""
    written = db.execute(
        f"""
        COPY (SELECT Song, Date, TRY_CAST(PlaysText AS BIGINT) AS Plays,
                     CASE WHEN {_VALID} THEN hash(Song, DateText) % {parts} ELSE {parts} END AS part
              FROM (SELECT *, TRY_CAST(DateText AS DATE) AS Date
                    FROM read_csv(?, header = true, auto_detect = false, delim = ',', quote = '"', escape = '"',
                                  columns = {{'Song': 'VARCHAR', 'DateText': 'VARCHAR', 'PlaysText': 'VARCHAR'}},
                                  force_not_null = ['Song', 'DateText', 'PlaysText'], buffer_size = {_BUFFER_BYTES},
                                  store_rejects = true, rejects_limit = {_REJECTS_LIMIT})))
        TO '{_quoted(folder)}'
           (FORMAT parquet, {_PARQUET}, PARTITION_BY (part))
    """,
        [str(source)],
    ).fetchone()
    rejected = db.execute("SELECT count(DISTINCT line) FROM reject_errors").fetchone()
    return int(written[0]) if written else 0, int(rejected[0]) if rejected else 0


def _files(partitions: Path, part: int) -> list[str]:
    """The files DuckDB wrote for one partition (``PARTITION_BY`` folders are named ``part=N``)."""
    return sorted(str(path) for path in (partitions / f"part={part}").glob("*.parquet"))


def _batches(db: duckdb.DuckDBPyConnection, folder: Path, parts: int, fitting: int) -> list[list[str]]:
    """The partitions' files, several partitions to one aggregation when their groups fit together.

    ``parts`` is sized for the worst case, every row a distinct pair; when pairs repeat, a
    partition holds fewer groups and one aggregation can take several (fewer, larger queries: 1.5 s
    less on 1 GB). Groups per partition are estimated (HyperLogLog) on the first few partitions:
    the hash spreads distinct pairs evenly over the partitions, whatever the rows' skew.
    """
    sampled = [_distinct_pairs(db, _files(folder / "parts", part)) for part in range(min(parts, _SAMPLED_PARTITIONS))]
    per_part = max(sampled) * _ESTIMATE_MARGIN
    step = max(1, min(parts, int(fitting / per_part))) if per_part else parts
    batches = [
        [name for part in range(first, min(first + step, parts)) for name in _files(folder / "parts", part)]
        for first in range(0, parts, step)
    ]
    return [files for files in batches if files]


def _distinct_pairs(db: duckdb.DuckDBPyConnection, files: list[str]) -> int:
    if not files:
        return 0
    found = db.execute("SELECT approx_count_distinct(hash(Song, Date)) FROM read_parquet(?)", [files]).fetchone()
    return int(found[0]) if found else 0


def _count_rows(db: duckdb.DuckDBPyConnection, files: list[str]) -> int:
    if not files:
        return 0
    found = db.execute("SELECT count(*) FROM read_parquet(?)", [files]).fetchone()
    return int(found[0]) if found else 0


def _aggregate_files(
    db: duckdb.DuckDBPyConnection, files: list[str], out: BinaryIO, folder: Path, level: int = 1
) -> int:
    """Pass 2, some partitions: their totals appended to ``out``; returns how many (song, date) pairs.

    Should their groups not fit after all (the estimates above are estimates; DuckDB's memory per
    group varies from run to run), the files are split again, by another hash, into
    ``_SPLIT_FANOUT`` parts aggregated one by one: recursive partitioning, as in a hash join.
    """
    totals = folder / "totals.csv"
    try:
        written = db.execute(
            f"COPY (SELECT Song, Date, sum(Plays) FROM read_parquet(?) GROUP BY Song, Date) "
            f"TO '{_quoted(totals)}' (FORMAT csv, HEADER false)",
            [files],
        ).fetchone()
    except duckdb.OutOfMemoryException:
        if level > _MAX_SPLITS:
            raise
        return sum(_aggregate_files(db, part, out, folder, level + 1) for part in _split(db, files, folder, level))
    with totals.open("rb") as part:
        shutil.copyfileobj(part, out)
    return int(written[0]) if written else 0


def _split(db: duckdb.DuckDBPyConnection, files: list[str], folder: Path, level: int) -> list[list[str]]:
    target = Path(tempfile.mkdtemp(prefix=f"split{level}-", dir=folder))
    db.execute(
        f"COPY (SELECT Song, Date, Plays, hash(Song, Date, {level}) % {_SPLIT_FANOUT} AS part FROM read_parquet(?)) "
        f"TO '{_quoted(target)}' (FORMAT parquet, {_PARQUET}, PARTITION_BY (part))",
        [files],
    )
    parts = [_files(target, part) for part in range(_SPLIT_FANOUT)]
    return [part for part in parts if part]


def _quoted(path: Path) -> str:
    return str(path).replace("'", "''")
