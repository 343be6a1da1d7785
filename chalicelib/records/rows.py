"""Parsing CSV rows into typed records, and records into DynamoDB items (pure, no AWS).

Items are keyed for the two ``/logs`` queries: partition ``day`` (a time bucket) with sort key
``recency`` (``date#id#n``, so a descending Query is newest first), and an index on
``user_id`` with the same sort key.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chalicelib.records.tables import RecordTable

Record = dict[str, int | str]
Item = dict[str, dict[str, str]]

_DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S"


class RowError(ValueError):
    """A row that cannot be loaded; ``line`` is its 1-based line number in the file."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line
        self.message = message


def parse_int(text: str) -> int:
    """An integer, also when written as ``12.0`` (a float column exported by pandas)."""
    try:
        return int(text)
    except ValueError:
        value = float(text)
        if not value.is_integer():
            raise ValueError(f"{text!r} is not an integer") from None
        return int(value)


def parse_datetime(text: str) -> str:
    """``YYYY-MM-DD HH:MM:SS`` (a ``T`` separator or a bare date are accepted), normalised."""
    cleaned = text.strip().replace("T", " ")
    if len(cleaned) == 10:
        cleaned += " 00:00:00"
    return datetime.strptime(cleaned[:19], _DATETIME_FORMAT).strftime(_DATETIME_FORMAT)


def column_positions(table: RecordTable, header: list[str], line: int = 1) -> list[int]:
    """Where each of the table's columns stands in the file's header (extra columns are ignored)."""
    names = [name.strip().lstrip("\ufeff") for name in header]
    missing = [name for name in table.column_names if name not in names]
    if missing:
        raise RowError(line, f"header lacks column(s) {', '.join(missing)}; found {', '.join(names)}")
    return [names.index(name) for name in table.column_names]


def parse_row(table: RecordTable, fields: list[str], positions: list[int], line: int) -> Record:
    """One CSV row as a typed record, or a ``RowError`` naming the line, column and rule."""
    if len(fields) <= max(positions):
        raise RowError(line, f"has {len(fields)} fields, expected at least {max(positions) + 1}")
    record: Record = {}
    for column, position in zip(table.columns, positions, strict=True):
        text = fields[position].strip()
        if not text:
            raise RowError(line, f"column {column.name} is empty")
        try:
            if column.kind == "int":
                record[column.name] = parse_int(text)
            elif column.kind == "datetime":
                record[column.name] = parse_datetime(text)
            else:
                record[column.name] = text
        except ValueError:
            rule = "an integer" if column.kind == "int" else "a date like 2022-02-04 10:00:24"
            raise RowError(line, f"column {column.name} is {text!r}, expected {rule}") from None
    return record


def recency_key(table: RecordTable, record: Record, number: int) -> str:
    """Sort key: newest first when read descending; ties broken by id, then item number."""
    return f"{record['date']}#{int(record[table.id_column]):012d}#{number:04d}"


def to_item(table: RecordTable, record: Record, number: int = 0) -> Item:
    item: Item = {
        "day": {"S": str(record["date"])[:10]},
        "recency": {"S": recency_key(table, record, number)},
    }
    for column in table.columns:
        value = record[column.name]
        item[column.name] = {"N": str(value)} if column.kind == "int" else {"S": str(value)}
    return item


def from_item(table: RecordTable, item: dict[str, Any]) -> Record:
    """The record a client sees: the CSV's columns with their types, nothing else."""
    record: Record = {}
    for column in table.columns:
        value = item[column.name]
        record[column.name] = int(value["N"]) if column.kind == "int" else value["S"]
    return record
