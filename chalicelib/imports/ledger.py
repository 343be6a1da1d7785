"""What happened to each row of an import, and the import's counters, in DynamoDB.

One item per row (``import_id``, ``line``) and a summary item at line 0 with the counters.
A row is written ``sending`` before its request and ``ok``, ``error`` or ``unknown`` after, in one
transaction with the counters it moves, so counters are exact even when a message is delivered
twice. ``unknown``: the request may have reached the API (a timeout, a 5xx, a worker that stopped
mid-request), so the post may exist; it is never sent again. It counts as failed (``rows_in`` =
invalid + sent + failed) and also in ``rows_unknown``; the public results show it as an
``error`` with ``outcome_unknown: true``, within the API's contract (``result`` is ok or error).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from chalicelib import clock
from chalicelib.aws import clients
from chalicelib.config import get_settings
from chalicelib.imports.posts_api import ERROR, OK, UNKNOWN
from chalicelib.imports.rows import Row

SUMMARY_LINE = 0
COUNTERS = ("rows_total", "rows_in", "rows_invalid", "rows_sent", "rows_failed", "rows_unknown")
SENDING = "sending"
# The counters each result moves (with ``rows_in``); an invalid row moves ``rows_invalid``.
MOVES = {OK: ("rows_sent",), ERROR: ("rows_failed",), UNKNOWN: ("rows_failed", "rows_unknown")}


@dataclass(frozen=True)
class Claim:
    """Whether this delivery may send the row, or what is already known of it."""

    send: bool
    result: str | None = None


def _key(import_id: str, line: int) -> dict[str, Any]:
    return {"import_id": {"S": import_id}, "line": {"N": str(line)}}


def _expiring(import_id: str, line: int) -> dict[str, Any]:
    """A new item's key, and when DynamoDB's time to live deletes it."""
    return {**_key(import_id, line), "expires_at": _expires_at()}


def _expires_at() -> dict[str, str]:
    """RETENTION_DAYS from now, as its job (DynamoDB's time to live reads ``expires_at``)."""
    return {"N": str(clock.expiry(get_settings().retention_days))}


def _table() -> str:
    return get_settings().import_rows_table


def _conditional_failure(exc: ClientError) -> bool:
    code = exc.response.get("Error", {}).get("Code")
    return code in ("ConditionalCheckFailedException", "TransactionCanceledException")


def start(import_id: str, rows_total: int) -> None:
    """Create the summary (idempotent: a second delivery keeps the counters)."""
    item = {**_expiring(import_id, SUMMARY_LINE), **{name: {"N": "0"} for name in COUNTERS}}
    item["rows_total"] = {"N": str(rows_total)}
    try:
        clients.dynamodb().put_item(TableName=_table(), Item=item, ConditionExpression="attribute_not_exists(line)")
    except ClientError as exc:
        if not _conditional_failure(exc):
            raise


def last_line(import_id: str) -> int:
    """The highest line with an outcome or a pending send (rows are processed in order)."""
    items = clients.dynamodb().query(
        TableName=_table(),
        KeyConditionExpression="import_id = :id AND line > :zero",
        ExpressionAttributeValues={":id": {"S": import_id}, ":zero": {"N": "0"}},
        ScanIndexForward=False,
        Limit=1,
        ConsistentRead=True,
    )["Items"]
    return int(items[0]["line"]["N"]) if items else 0


def claim(import_id: str, row: Row) -> Claim:
    """Mark the row ``sending``; if it is already known, say what it is instead."""
    item = {**_expiring(import_id, row.line), "result": {"S": SENDING}, "userId": {"N": str(row.user_id)}}
    try:
        clients.dynamodb().put_item(TableName=_table(), Item=item, ConditionExpression="attribute_not_exists(line)")
    except ClientError as exc:
        if not _conditional_failure(exc):
            raise
        existing = clients.dynamodb().get_item(TableName=_table(), Key=_key(import_id, row.line), ConsistentRead=True)[
            "Item"
        ]
        return Claim(send=False, result=existing["result"]["S"])
    return Claim(send=True)


def unclaim(import_id: str, row: Row) -> None:
    """Give back a row marked ``sending`` that was not sent after all (its job is re-queued)."""
    try:
        clients.dynamodb().delete_item(
            TableName=_table(),
            Key=_key(import_id, row.line),
            ConditionExpression="#result = :sending",
            ExpressionAttributeNames={"#result": "result"},
            ExpressionAttributeValues={":sending": {"S": SENDING}},
        )
    except ClientError as exc:
        if not _conditional_failure(exc):
            raise


def record(
    import_id: str,
    row: Row,
    result: str,
    *,
    post_id: int | None = None,
    error: str | None = None,
    invalid: bool = False,
) -> None:
    """Store the row's ``result`` and move its counters, together (once: a repeat changes nothing)."""
    counters = ("rows_invalid",) if invalid else MOVES[result]
    attributes: dict[str, Any] = {":result": {"S": result}, ":sending": {"S": SENDING}}
    update = "SET #result = :result"
    if row.user_id is not None:
        update += ", userId = :user"
        attributes[":user"] = {"N": str(row.user_id)}
    if post_id is not None:
        update += ", postId = :post"
        attributes[":post"] = {"N": str(post_id)}
    if error is not None:
        update += ", #error = :error"
        attributes[":error"] = {"S": error}
    condition = "attribute_not_exists(line)" if invalid else "#result = :sending"
    if invalid:  # a new item (an invalid row is never claimed): it expires as the claimed ones do
        attributes.pop(":sending")
        update += ", expires_at = :expires"
        attributes[":expires"] = _expires_at()
    try:
        clients.dynamodb().transact_write_items(
            TransactItems=[
                {
                    "Update": {
                        "TableName": _table(),
                        "Key": _key(import_id, row.line),
                        "UpdateExpression": update,
                        "ConditionExpression": condition,
                        "ExpressionAttributeValues": attributes,
                        "ExpressionAttributeNames": _names(update),
                    }
                },
                {
                    "Update": {
                        "TableName": _table(),
                        "Key": _key(import_id, SUMMARY_LINE),
                        "UpdateExpression": "ADD rows_in :one, "
                        + ", ".join(f"#c{n} :one" for n in range(len(counters))),
                        "ExpressionAttributeNames": {f"#c{n}": name for n, name in enumerate(counters)},
                        "ExpressionAttributeValues": {":one": {"N": "1"}},
                    }
                },
            ]
        )
    except ClientError as exc:
        if not _conditional_failure(exc):
            raise


def _names(update: str) -> dict[str, str]:
    return {name: name[1:] for name in ("#result", "#error") if name in update}


def summary(import_id: str) -> dict[str, int]:
    item = (
        clients.dynamodb()
        .get_item(TableName=_table(), Key=_key(import_id, SUMMARY_LINE), ConsistentRead=True)
        .get("Item", {})
    )
    return {name: int(item[name]["N"]) if name in item else 0 for name in COUNTERS}


def results(import_id: str, *, after: int = 0, limit: int = 100) -> tuple[list[dict[str, Any]], int | None]:
    """A page of row outcomes in line order, and the line to continue after (None at the end)."""
    response = clients.dynamodb().query(
        TableName=_table(),
        KeyConditionExpression="import_id = :id AND line > :after",
        ExpressionAttributeValues={":id": {"S": import_id}, ":after": {"N": str(max(after, SUMMARY_LINE))}},
        Limit=limit,
        ConsistentRead=True,
    )
    rows = [_public(item) for item in response["Items"]]
    more = "LastEvaluatedKey" in response and len(rows) == limit
    return rows, (rows[-1]["line"] if more and rows else None)


def _number(item: dict[str, Any], name: str) -> int | None:
    return int(item[name]["N"]) if name in item else None


def _public(item: dict[str, Any]) -> dict[str, Any]:
    result = item["result"]["S"]
    row: dict[str, Any] = {
        "line": _number(item, "line"),
        "userId": _number(item, "userId"),
        "result": ERROR if result == UNKNOWN else result,
        "postId": _number(item, "postId"),
    }
    if "error" in item:
        row["error"] = item["error"]["S"]
    if result == UNKNOWN:
        row["outcome_unknown"] = True
    return row
