"""Reading and validating the rows of a posts CSV (``userId,title,body``): pure, no AWS.

Every line after the header ends up in exactly one row (blank lines aside). A row that breaks a
rule (see ``RULES``) comes back with its problem and the lines it spans: never raised, never
dropped. Only the header can fail the whole file (``BadHeader``), and the import reads the whole
file once before it sends anything, so a file it cannot read fails before any row goes out.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

HEADER = ["userId", "title", "body"]
# userId: ASCII digits only (no sign, no other scripts' digits: Python's int() takes Arabic-Indic and full-width ones),
# 1 to 2,147,483,647 (a signed 32-bit integer: what a posts API's integer id holds; DynamoDB's N
# would take 38 digits). Surrounding spaces are ignored, as for every field.
MAX_USER_ID = 2**31 - 1
_USER_ID = re.compile(r"[0-9]{1,10}")
# Titles and bodies are sent as they are (spaces around them trimmed). These bounds keep a post,
# and any ledger item quoting a row, far below DynamoDB's 400 KB item (here at most ~45 KB).
MAX_TITLE_CHARS = 1_000
MAX_BODY_CHARS = 10_000
# One line is read at most this far; a longer line is an invalid row (its rest is skipped unread).
# The longest valid row fits with room: 4-byte characters, quoted, ~45 KB. A field spanning lines
# stops at the csv module's field_size_limit (131,072 characters by default, and not changed
# here: it is the whole process's): beyond it the row is invalid and reading goes on at the next line.
MAX_LINE_BYTES = 64 * 1024
# How much of a bad value a message quotes.
_SHOWN = 40

RULES = (
    f"userId: ASCII digits only, no sign, from 1 to {MAX_USER_ID:,}",
    f"title: not empty, at most {MAX_TITLE_CHARS:,} characters",
    f"body: not empty, at most {MAX_BODY_CHARS:,} characters",
    f"a line: UTF-8 text without NUL bytes, at most {MAX_LINE_BYTES:,} bytes",
    'a quoted field: closed by a quote, a quote inside it doubled (""), nothing after the closing quote',
    "a carriage return inside a field: only in a quoted field",
)


class BadHeader(ValueError):
    """The first line is not ``userId,title,body``: the file is not a posts CSV."""


class NotText(BadHeader):
    """The first line is not UTF-8 text: not a CSV file at all."""


@dataclass(frozen=True)
class Row:
    """One row of the file: a valid post, or the reason it is not one. ``line`` is the line it
    starts on (its key in the ledger), ``last_line`` the line it ends on (a quoted field can span lines)."""

    line: int
    user_id: int | None
    title: str = ""
    body: str = ""
    problem: str | None = None
    last_line: int = 0

    def as_post(self) -> dict[str, object]:
        return {"userId": self.user_id, "title": self.title, "body": self.body}


def parse_user_id(raw: str) -> int | None:
    """The userId in ``raw`` (spaces around it ignored), or None if it breaks the rule above."""
    text = raw.strip()
    if not _USER_ID.fullmatch(text):
        return None
    value = int(text)
    return value if 1 <= value <= MAX_USER_ID else None


def check_header(first_line: str) -> None:
    try:
        found = next(csv.reader([first_line.lstrip("\ufeff")], strict=True), [])
    except csv.Error as exc:
        raise BadHeader(f"header: {exc}, found {first_line[:200]!r}") from None
    if [name.strip() for name in found] != HEADER:
        raise BadHeader(f"header: expected {','.join(HEADER)}, found {first_line[:200]!r}")


def check_first_line(start: bytes) -> None:
    """Refuse a file whose first line (in ``start``, the file's first bytes) is not text or not the
    header: what the API checks at upload, by the same rules the worker reads the file with."""
    first, newline, _ = start.partition(b"\n")
    if not newline and len(first) > MAX_LINE_BYTES:
        raise BadHeader(f"header: line 1 is longer than {MAX_LINE_BYTES:,} bytes")
    problem, text = _decoded(first[:MAX_LINE_BYTES].removeprefix(b"\xef\xbb\xbf"))
    if problem:
        raise NotText(f"line 1 {problem}: not a UTF-8 text (CSV) file")
    check_header(text)


def parse(fields: list[str], line: int, last_line: int | None = None) -> Row:
    """The row made of ``fields`` (lines ``line`` to ``last_line``), valid or with its problem."""
    end = last_line or line
    if len(fields) != 3:
        return _invalid(line, end, f"has {len(fields)} fields, expected 3")
    raw_user, title, body = (field.strip() for field in fields)
    user_id = parse_user_id(raw_user)
    if user_id is None:
        return _invalid(line, end, f"userId {_shown(raw_user)} is not a whole number from 1 to {MAX_USER_ID:,}")
    if not title:
        return _invalid(line, end, "title is empty", user_id)
    if len(title) > MAX_TITLE_CHARS:
        return _invalid(line, end, f"title has {len(title):,} characters, at most {MAX_TITLE_CHARS:,}", user_id)
    if not body:
        return _invalid(line, end, "body is empty", user_id)
    if len(body) > MAX_BODY_CHARS:
        return _invalid(line, end, f"body has {len(body):,} characters, at most {MAX_BODY_CHARS:,}", user_id)
    return Row(line, user_id, title, body, last_line=end)


def read_rows(handle: BinaryIO) -> Iterator[Row]:
    """Every data row of the file open in ``handle`` (binary, seekable) with its lines, blank lines
    skipped; the first line is checked first, as at upload (``BadHeader``). Nothing else raises: a
    bad row is a ``Row`` with a problem."""
    check_first_line(handle.read(MAX_LINE_BYTES + 1))
    handle.seek(0)
    lines = _Lines(handle)
    reader = csv.reader(lines, strict=True)
    try:
        next(reader, None)  # the header, checked above
    except csv.Error as exc:
        raise BadHeader(f"header: {exc}") from None
    start = reader.line_num + 1
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield _invalid(start, max(reader.line_num, start), _csv_problem(exc))
        else:
            end = max(reader.line_num, start)
            problem = lines.problem_within(start, end)
            if problem:
                yield _invalid(start, end, problem)
            elif any(field.strip() for field in fields):
                yield parse(fields, start, end)
        lines.forget_until(reader.line_num)
        start = reader.line_num + 1


class _Lines:
    """The file's lines as text for the csv reader, each checked on the way (UTF-8, no NUL, not
    too long). A bad line is still handed on, repaired, so that the reader keeps its place; its
    problem is kept by line number for the row that holds it."""

    def __init__(self, handle: BinaryIO) -> None:
        self.handle = handle
        self.number = 0
        self.problems: dict[int, str] = {}

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        raw = self.handle.readline(MAX_LINE_BYTES + 1)
        if not raw:
            raise StopIteration
        self.number += 1
        long = len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n")
        if long:
            raw = raw[:MAX_LINE_BYTES] + self._skip_rest()
        if self.number == 1:
            raw = raw.removeprefix(b"\xef\xbb\xbf")  # a byte order mark
        problem, text = _decoded(raw)
        if long:
            problem = f"is longer than {MAX_LINE_BYTES:,} bytes"
        if problem:
            self.problems[self.number] = problem
        return text

    def _skip_rest(self) -> bytes:
        """Read past the rest of an overlong line; its line end, if any."""
        while chunk := self.handle.readline(MAX_LINE_BYTES):
            if chunk.endswith(b"\n"):
                return b"\r\n" if chunk.endswith(b"\r\n") else b"\n"
        return b""

    def problem_within(self, first: int, last: int) -> str | None:
        """The first bad line's problem among lines ``first`` to ``last``, naming the line."""
        for number in range(first, last + 1):
            if number in self.problems:
                return f"line {number} {self.problems[number]}"
        return None

    def forget_until(self, last: int) -> None:
        for number in [number for number in self.problems if number <= last]:
            del self.problems[number]


def _decoded(raw: bytes) -> tuple[str | None, str]:
    """The line as text, and what is wrong with it (None: nothing)."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return f"is not UTF-8 (byte 0x{raw[exc.start]:02x} at column {exc.start + 1})", raw.decode(
            "utf-8", errors="replace"
        )
    if "\0" in text:
        return f"holds a NUL byte (at column {text.index(chr(0)) + 1})", text.replace("\0", "\ufffd")
    return None, text


def _csv_problem(exc: csv.Error) -> str:
    message = str(exc)
    if message == "unexpected end of data":
        return "a quoted field is never closed (a missing quote?): the row runs to the end of the file"
    if message.startswith("field larger than field limit"):
        return f"a field is longer than {csv.field_size_limit():,} characters (a missing quote?)"
    if message.startswith("new-line character seen in unquoted field"):
        return "a carriage return inside a field that is not quoted (quote the field to keep it)"
    if message.endswith("expected after '\"'"):
        return 'text follows a quoted field\'s closing quote (write a quote inside one as "")'
    return f"is not valid CSV: {message}"


def _invalid(line: int, last_line: int, problem: str, user_id: int | None = None) -> Row:
    if last_line > line:
        problem = f"{problem} (the row spans lines {line}-{last_line})"
    return Row(line, user_id, problem=problem, last_line=last_line)


def _shown(value: str) -> str:
    return repr(value) if len(value) <= _SHOWN else f"{value[:_SHOWN]!r}... ({len(value):,} characters)"
