"""``GET /logs``: which table, since when, whose; at most 100 records, newest first."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, Field, StringConstraints, WithJsonSchema

from chalicelib.api.models.common import Answer, Request
from chalicelib.records.tables import TABLES
from chalicelib.validation import broken

_FROM_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}( [0-9]{2}:[0-9]{2}:[0-9]{2})?")


def _known_table(name: str) -> str:
    if name not in TABLES:
        raise broken(f"unknown table {name!r}; known: {', '.join(TABLES)}")
    return name


def _real_date(value: str) -> str:
    layout = "%Y-%m-%d %H:%M:%S" if len(value) > 10 else "%Y-%m-%d"
    try:
        if not _FROM_DATE.fullmatch(value):
            raise ValueError
        datetime.strptime(value, layout)
    except ValueError:
        raise broken(f"{value!r} is not a date like 2022-03-01 or 2022-03-01 10:00:00") from None
    return value


Table = Annotated[str, AfterValidator(_known_table), WithJsonSchema({"type": "string", "enum": list(TABLES)})]
FromDate = Annotated[
    str, AfterValidator(_real_date), WithJsonSchema({"type": "string", "pattern": f"^{_FROM_DATE.pattern}$"})
]
# DynamoDB refuses an index key over 2,048 bytes: 500 characters of up to 4 bytes stay within it.
UserId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


class LogsQuery(Request):
    table_name: Table = Field(description="The table to read.")
    from_date: FromDate | None = Field(
        default=None,
        description="Only records with date >= this (YYYY-MM-DD or YYYY-MM-DD HH:MM:SS).",
        examples=["2022-03-15", "2022-02-04 10:00:00"],
    )
    user_id: UserId | None = Field(default=None, description="Only this user's records.", examples=["7e6ba6"])


class LogsPage(Answer):
    table_name: str
    records: list[dict[str, Any]] = Field(
        max_length=100, description="The CSV's columns with their types, newest first (by date, then sale_id)."
    )
    items_read: int = Field(ge=0, description="DynamoDB items read to answer.")
