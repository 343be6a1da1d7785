"""Validating the rows of a posts CSV (``userId,title,body``): pure, no I/O."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

HEADER = ["userId", "title", "body"]


class BadHeader(ValueError):
    """The first line is not ``userId,title,body``."""


@dataclass(frozen=True)
class Row:
    """One line of the file: a valid post, or the reason it is not one."""

    line: int
    user_id: int | None
    title: str = ""
    body: str = ""
    problem: str | None = None

    def as_post(self) -> dict[str, object]:
        return {"userId": self.user_id, "title": self.title, "body": self.body}


def check_header(first_line: str) -> None:
    found = next(csv.reader([first_line.lstrip("\ufeff")]), [])
    if [name.strip() for name in found] != HEADER:
        raise BadHeader(f"header: expected {','.join(HEADER)}, found {first_line[:200]!r}")


def parse(fields: list[str], line: int) -> Row:
    if len(fields) != 3:
        return Row(line, None, problem=f"has {len(fields)} fields, expected 3")
    raw_user, title, body = (field.strip() for field in fields)
    user_id = int(raw_user) if raw_user.lstrip("-").isdigit() else None
    if user_id is None:
        return Row(line, None, problem=f"userId {raw_user!r} is not an integer")
    if not title:
        return Row(line, user_id, problem="title is empty")
    if not body:
        return Row(line, user_id, problem="body is empty")
    return Row(line, user_id, title, body)


def read_rows(lines: Iterable[str]) -> Iterator[Row]:
    """Every data row with the line it starts on (blank lines are skipped); the header is checked first."""
    reader = csv.reader(lines)
    header = next(reader, None)
    check_header(",".join(header) if header else "")
    start = reader.line_num + 1
    for fields in reader:
        if fields and any(field.strip() for field in fields):
            yield parse(fields, start)
        start = reader.line_num + 1
