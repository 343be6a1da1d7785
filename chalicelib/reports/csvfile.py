"""The plays CSV: its header, the rules a row must keep, the bad rows found by line, and the
totals file read back. The SQL of the aggregation (``aggregate._VALID``) applies the same rules."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path
from typing import BinaryIO

HEADER = ["Song", "Date", "Number of Plays"]
OUTPUT_HEADER = ("Song", "Date", "Total Number of Plays for Date")
MAX_REPORTED_ERRORS = 20
MAX_PLAYS_DIGITS = 18  # sums of up to ~10**18 stay exact in DuckDB's 128-bit sum
# A longer line fails the file before the aggregation: DuckDB 1.2.2 drops a line longer than its
# read buffer without a word (no reject recorded), and rejects one over its max_line_size (2 MiB).
MAX_LINE_BYTES = 1 << 20
_PROBE_BYTES = 4096


class BadFile(ValueError):
    """The file cannot be aggregated at all (no file, wrong header)."""


def check_header(first_bytes: bytes) -> None:
    """Refuse a file whose first line is not ``Song,Date,Number of Plays``."""
    text = first_bytes.decode("utf-8-sig", errors="replace")
    first_line = text.splitlines()[0] if text else ""
    found = next(csv.reader([first_line]), [])
    if [name.strip() for name in found] != HEADER:
        raise BadFile(f"header: expected {','.join(HEADER)}, found {first_line[:200]!r}")


def check_line_lengths(source: Path, limit: int = MAX_LINE_BYTES) -> None:
    """Refuse a file with a line longer than ``limit`` bytes, naming the line (``BadFile``).

    Cheap, in bounded memory: the file is seen as windows of ``limit // 2`` bytes, and of each only
    the bytes up to its first line end are read (4 KB of each 512 KB, 8 MB of a 1 GB file). A line
    longer than ``limit`` holds a whole window without a line end; only then is that line measured,
    and its number counted.
    """
    window = max(limit // 2, 1)
    size = source.stat().st_size
    with source.open("rb") as handle:
        offset = 0
        while offset < size:
            if _line_end(handle, offset, window) is not None:
                offset += window
                continue
            start, end = _line_start(handle, offset), _line_end(handle, offset)
            end = size if end is None else end
            if end - start > limit:
                raise BadFile(
                    f"line {_line_number(handle, start)} is longer than {limit:,} bytes ({end - start:,} from "
                    f"byte {start:,}): a play count's row is a few dozen; the file was not aggregated"
                )
            offset = end + 1


def _line_end(handle: BinaryIO, offset: int, within: int | None = None) -> int | None:
    """The offset of the first line end at or after ``offset`` (looking ``within`` bytes at most)."""
    handle.seek(offset)
    read, probe = 0, _PROBE_BYTES
    while within is None or read < within:
        chunk = handle.read(probe if within is None else min(probe, within - read))
        if not chunk:
            return None
        found = chunk.find(b"\n")
        if found >= 0:
            return offset + read + found
        read, probe = read + len(chunk), min(probe * 2, 1 << 20)
    return None


def _line_start(handle: BinaryIO, offset: int) -> int:
    """Where the line holding byte ``offset`` starts (just after the line end before it, or 0)."""
    position = offset
    while position > 0:
        step = min(position, 1 << 20)
        handle.seek(position - step)
        found = handle.read(step).rfind(b"\n")
        if found >= 0:
            return position - step + found + 1
        position -= step
    return 0


def _line_number(handle: BinaryIO, offset: int) -> int:
    """The number of the line starting at ``offset`` (line ends before it, plus one)."""
    handle.seek(0)
    ends = 0
    while handle.tell() < offset:
        ends += handle.read(min(1 << 20, offset - handle.tell())).count(b"\n")
    return ends + 1


def row_problem(fields: list[str]) -> str | None:
    """Why a data row is invalid, or None: the same rules as the aggregation's SQL, one row at a time."""
    if len(fields) != 3:
        return f"has {len(fields)} fields, expected 3"
    song, day, plays = fields
    if not song:
        return "Song is empty"
    if "\0" in song:
        return "Song holds a NUL byte"
    try:
        if len(day) != 10 or day[4] != "-" or day[7] != "-":
            raise ValueError
        date.fromisoformat(day)
    except ValueError:
        return f"Date {day!r} is not a date like 2020-01-31"
    if not (plays.isascii() and plays.isdigit() and len(plays) <= MAX_PLAYS_DIGITS):
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
