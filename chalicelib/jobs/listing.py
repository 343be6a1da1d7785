"""Listing jobs from the jobs table's listing indexes, never a Scan: two ways.

``list_jobs``: one kind by launch time, a page number at a time (``GET /calculations``), from
``by_kind``. Page ``P`` is found by counting past ``(P - 1) * size`` index entries (a
``Select=COUNT`` Query that reads only the small projected entries, never the full records), then
reading ``size + 1`` entries from there: ``size`` to show, one to know whether another page
follows. The index's sort key (``created_at#id``) is unique, so the order is total and ``asc`` is
exactly ``desc`` reversed.

``list_all``: every kind, newest first, with a cursor (``GET /jobs``); see its docstring.
``oldest``: the oldest job in a status (``/health``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from chalicelib import clock
from chalicelib.aws import clients
from chalicelib.config import get_settings
from chalicelib.errors import InvalidInput
from chalicelib.jobs import cursor
from chalicelib.jobs.model import ALL_INDEX, EVERY_JOB, KIND_INDEX, STATUS_INDEX, SUCCEEDED, Job

PAGE_SIZE = 10
DEFAULT_LIMIT = 50
MAX_LIMIT = 200
# Index entries one ``list_all`` page reads at most when kind and status are both given (one of
# them is a filter on the entries read, which may skip many): the page's cost stays bounded.
MAX_READ = 1_000


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


# --- every job, newest first, with a cursor (GET /jobs) -----------------------------------------


@dataclass(frozen=True)
class JobFilter:
    """What ``GET /jobs`` asks for; times in ``clock.iso``'s form (UTC, milliseconds)."""

    kind: str | None = None
    status: str | None = None
    since: str | None = None  # created_at >= since
    until: str | None = None  # created_at < until

    def fingerprint(self) -> list[str | None]:
        """The filters as a cursor records them: a cursor serves only the query it came from."""
        return [self.kind, self.status, self.since, self.until]


@dataclass(frozen=True)
class JobList:
    items: list[dict[str, Any]]
    next_cursor: str | None


@dataclass(frozen=True)
class _Plan:
    """The index that serves a filter: its partition, and the filter left for the entries read."""

    index: str
    hash_key: str
    hash_value: str
    # Kind and status together: the one of them that is not the index's key, as (attribute, value).
    remaining: tuple[str, str] | None = None


def _plan(found: JobFilter) -> _Plan:
    """No filter: ``by_created``; a kind: ``by_kind``; a status: ``by_status``. Both: the partition
    where the other one is likely to match most entries: a kind's partition for ``succeeded`` (most
    jobs end so), else the status's (queued, running, failed and cancelled jobs are few, and any
    kind may be among them). Either way a page reads at most ``MAX_READ`` entries."""
    if found.kind and found.status:
        if found.status == SUCCEEDED:
            return _Plan(KIND_INDEX, "kind", found.kind, ("status", found.status))
        return _Plan(STATUS_INDEX, "status", found.status, ("kind", found.kind))
    if found.kind:
        return _Plan(KIND_INDEX, "kind", found.kind)
    if found.status:
        return _Plan(STATUS_INDEX, "status", found.status)
    return _Plan(ALL_INDEX, "list_key", EVERY_JOB)


def _window(found: JobFilter) -> tuple[str, str | None]:
    """The ``created_key`` range to read: from ``since`` (or the retention period's start: older
    records have expired, ``GET /jobs/{id}`` answers 404 for them) up to ``until``, exclusive."""
    floor = clock.iso(clock.now() - timedelta(days=get_settings().retention_days))
    return max(found.since or floor, floor), found.until


def list_all(found: JobFilter, *, limit: int = DEFAULT_LIMIT, after: str | None = None) -> JobList:
    """Up to ``limit`` jobs matching ``found``, newest first (``created_at``, then id: the index's
    unique sort key ``created_at#id``), after the position the cursor ``after`` names.

    One Query on one index partition, descending, with ``created_key`` in a range (the time
    filters and the retention period): the cost of a page does not grow with the jobs stored. A
    page reads ``limit + 1`` entries to know whether another follows, so ``next_cursor`` is null on
    the last page. With kind and status both given a page reads at most ``MAX_READ`` entries: it
    may then hold fewer than ``limit`` jobs (even none) and still have a ``next_cursor``."""
    plan = _plan(found)
    lower, upper = _window(found)
    start = None
    if after is not None:
        position = cursor.decode(after, found.fingerprint())
        if upper is not None and position.created_key >= upper:
            raise InvalidInput("cursor", "lies after until: repeat the query that gave it out")
        if position.created_key < lower:  # the rest of the listing has expired since
            return JobList([], None)
        start = {"id": position.job_id, plan.hash_key: plan.hash_value, "created_key": position.created_key}
    if upper is not None and lower >= upper:
        return JobList([], None)
    entries, last = _read(plan, lower, upper, limit, start)
    next_cursor = cursor.encode(found.fingerprint(), last) if last is not None else None
    return JobList([_listed(entry) for entry in entries], next_cursor)


def _read(
    plan: _Plan, lower: str, upper: str | None, limit: int, start: dict[str, str] | None
) -> tuple[list[dict[str, Any]], cursor.Position | None]:
    """The page's entries, and the position after which the next page starts (None: no more)."""
    entries: list[dict[str, Any]] = []
    read = 0
    key: dict[str, Any] | None = {name: {"S": value} for name, value in start.items()} if start else None
    while True:
        wanted = limit + 1 - len(entries)
        # Unfiltered, every entry read is listed; filtered, read ahead (up to the budget).
        size = wanted if plan.remaining is None else min(MAX_READ - read, 4 * wanted)
        response = _index_query(plan, lower, upper, size, key)
        read += int(response.get("ScannedCount", len(response["Items"])))
        entries += response["Items"]
        key = response.get("LastEvaluatedKey")
        if len(entries) > limit:
            return entries[:limit], _position(entries[limit - 1])
        if key is None:
            return entries, None
        if plan.remaining is not None and read >= MAX_READ:  # every match up to ``key`` is in the page
            return entries, _position(key)


def _index_query(plan: _Plan, lower: str, upper: str | None, size: int, start: dict[str, Any] | None) -> dict[str, Any]:
    names = {"#h": plan.hash_key}
    values = {":h": {"S": plan.hash_value}, ":lower": {"S": lower}}
    if upper is None:
        condition = "#h = :h AND created_key >= :lower"
    else:
        # BETWEEN is inclusive, but no created_key equals ``upper``: each ends with ``#id``.
        condition = "#h = :h AND created_key BETWEEN :lower AND :upper"
        values[":upper"] = {"S": upper}
    extra: dict[str, Any] = {"Limit": size}
    if start is not None:
        extra["ExclusiveStartKey"] = start
    if plan.remaining is not None:
        names["#f"], value = plan.remaining
        values[":f"] = {"S": value}
        extra["FilterExpression"] = "#f = :f"
    return dict(
        clients.dynamodb().query(
            TableName=Job.Meta.table_name,
            IndexName=plan.index,
            KeyConditionExpression=condition,
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
            ScanIndexForward=False,
            **extra,
        )
    )


def _position(entry: dict[str, Any]) -> cursor.Position:
    return cursor.Position(entry["id"]["S"], entry["created_key"]["S"])


def _text(entry: dict[str, Any], name: str) -> str | None:
    value = entry.get(name)
    return str(value["S"]) if value and "S" in value else None


def _number(entry: dict[str, Any], name: str) -> float | None:
    value = entry.get(name)
    return float(value["N"]) if value and "N" in value else None


def _listed(entry: dict[str, Any]) -> dict[str, Any]:
    """An index entry as ``GET /jobs`` lists it."""
    return {
        "id": entry["id"]["S"],
        "kind": _text(entry, "kind"),
        "name": _text(entry, "name"),
        "status": _text(entry, "status"),
        "progress": _number(entry, "progress") or 0.0,
        "created_at": _text(entry, "created_at"),
        "started_at": _text(entry, "started_at"),
        "finished_at": _text(entry, "finished_at"),
        "duration": _number(entry, "duration"),
        "attempts": int(_number(entry, "attempts") or 0),
    }


# --- the oldest job in a status (/health) -------------------------------------------------------


def oldest(status: str) -> tuple[str, str] | None:
    """``(job_id, created_at)`` of the oldest job in ``status`` (``by_status``, ascending, one
    entry), or None when there is none."""
    response = clients.dynamodb().query(
        TableName=Job.Meta.table_name,
        IndexName=STATUS_INDEX,
        KeyConditionExpression="#s = :s",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":s": {"S": status}},
        ScanIndexForward=True,
        Limit=1,
    )
    for entry in response["Items"]:
        return str(entry["id"]["S"]), str(entry["created_at"]["S"])
    return None
