"""The latest records of a table, newest first, for ``/logs``: bounded DynamoDB Queries, no Scan.

- by user: one Query on the ``by_user`` index (partition ``user_id``, sort ``recency``);
- otherwise: Queries on the day buckets, newest day first, each asking only for the records
  still missing, until ``limit`` are found or the days reach ``from_date``.

Either way at most ``limit`` items are read, whatever the table's size.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from chalicelib.aws import clients
from chalicelib.config import get_settings
from chalicelib.records.datasets import ready_dataset
from chalicelib.records.rows import Record, from_item
from chalicelib.records.tables import RecordTable

USER_INDEX = "by_user"
LIMIT = 100


@dataclass
class Page:
    records: list[Record] = field(default_factory=list)
    items_read: int = 0


def latest(table: RecordTable, *, from_date: str | None = None, user_id: str | None = None) -> Page:
    """Up to ``LIMIT`` records of ``table``, newest first, filtered as asked."""
    dataset = ready_dataset(table.name)
    page = Page()
    if user_id is not None:
        _query(table, page, "user_id", user_id, from_date, index=USER_INDEX)
        return page
    for day in sorted(dataset.days, reverse=True):
        if len(page.records) >= LIMIT or (from_date and day < from_date[:10]):
            break
        _query(table, page, "day", day, from_date)
    return page


def _query(
    table: RecordTable, page: Page, key: str, value: str, from_date: str | None, index: str | None = None
) -> None:
    condition = "#k = :k"
    values: dict[str, Any] = {":k": {"S": value}}
    if from_date:
        condition += " AND recency >= :from"
        values[":from"] = {"S": from_date}
    request: dict[str, Any] = {
        "TableName": get_settings().records_table(table.name),
        "KeyConditionExpression": condition,
        "ExpressionAttributeNames": {"#k": key},
        "ExpressionAttributeValues": values,
        "ScanIndexForward": False,
        "Limit": LIMIT - len(page.records),
    }
    if index:
        request["IndexName"] = index
    response = clients.dynamodb().query(**request)
    page.items_read += len(response["Items"])
    page.records.extend(from_item(table, item) for item in response["Items"])
