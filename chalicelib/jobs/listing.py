"""Listing the jobs of one kind by launch time, a page at a time, from the ``by_kind`` index.

Page ``P`` is found by counting past ``(P - 1) * size`` index entries (a ``Select=COUNT`` Query
that reads only the small projected entries, never the full records), then reading ``size + 1``
entries from there: ``size`` to show, one to know whether another page follows. The index's
sort key (``created_at#id``) is unique, so the order is total and ``asc`` is exactly ``desc``
reversed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chalicelib.aws import clients
from chalicelib.jobs.model import KIND_INDEX, Job

PAGE_SIZE = 10


@dataclass(frozen=True)
class JobPage:
    items: list[dict[str, Any]]
    page: int
    has_more: bool


def _query(kind: str, ascending: bool, **extra: Any) -> dict[str, Any]:
    return dict(
        clients.dynamodb().query(
            TableName=Job.Meta.table_name,
            IndexName=KIND_INDEX,
            KeyConditionExpression="kind = :kind",
            ExpressionAttributeValues={":kind": {"S": kind}},
            ScanIndexForward=ascending,
            **extra,
        )
    )


def _start_of_page(kind: str, ascending: bool, skip: int) -> dict[str, Any] | None:
    """The key after the first ``skip`` entries, or None if there are not that many."""
    start: dict[str, Any] | None = None
    while skip:
        extra: dict[str, Any] = {"Select": "COUNT", "Limit": skip}
        if start:
            extra["ExclusiveStartKey"] = start
        response = _query(kind, ascending, **extra)
        skip -= response["Count"]
        start = response.get("LastEvaluatedKey")
        if start is None:
            return None
    return start


def list_jobs(kind: str, *, page: int = 1, ascending: bool = False, size: int = PAGE_SIZE) -> JobPage:
    """Page ``page`` (from 1) of the jobs of ``kind``, by launch time."""
    extra: dict[str, Any] = {"Limit": size + 1}
    if page > 1:
        start = _start_of_page(kind, ascending, (page - 1) * size)
        if start is None:
            return JobPage([], page, has_more=False)
        extra["ExclusiveStartKey"] = start
    entries = _query(kind, ascending, **extra)["Items"]
    items = [
        {
            "id": entry["id"]["S"],
            "name": entry["name"]["S"],
            "launched_at": entry["created_at"]["S"],
            "status": entry["status"]["S"],
        }
        for entry in entries[:size]
    ]
    return JobPage(items, page, has_more=len(entries) > size)
