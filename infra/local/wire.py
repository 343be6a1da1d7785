"""What the chaos proxy needs to know of each AWS service's wire protocol: operation names, the
errors it injects, and the few facts the chaos tally reads from a request or an answer.

Protocols (botocore's models): DynamoDB and SQS speak JSON (``X-Amz-Target: Service.Operation``);
this botocore's SQS is "awsQueryCompatible", so an error's code is taken from the
``x-amzn-query-error: Code;Type`` header when present. S3 speaks REST-XML: an error is an XML
``<Error><Code>`` document. Each injected error below is what botocore parses as the code named in
its ``code`` (checked by tests/unit/test_chaos_proxy.py).
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from typing import Any, Literal

Service = Literal["dynamodb", "sqs", "s3"]
SERVICES: tuple[Service, ...] = ("dynamodb", "sqs", "s3")
JSON_CONTENT = {"dynamodb": "application/x-amz-json-1.0", "sqs": "application/x-amz-json-1.0"}


@dataclass(frozen=True)
class WireError:
    """An error answer: the status, the headers and the body a service sends, and the code botocore reads."""

    code: str
    status: int
    body: bytes
    headers: tuple[tuple[str, str], ...] = field(default=())


def _json_error(service: Service, status: int, type_: str, message: str, query_error: str | None = None) -> WireError:
    headers = [("Content-Type", JSON_CONTENT[service])]
    if query_error is not None:
        headers.append(("x-amzn-query-error", query_error))
    body = json.dumps({"__type": type_, "message": message}).encode()
    code = query_error.split(";")[0] if query_error else type_.rsplit("#", 1)[-1]
    return WireError(code, status, body, tuple(headers))


def _s3_error(status: int, code: str, message: str) -> WireError:
    body = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code><Message>{message}</Message>'
        f"<RequestId>{uuid.uuid4().hex[:16].upper()}</RequestId></Error>"
    ).encode()
    return WireError(code, status, body, (("Content-Type", "application/xml"),))


_DDB = "com.amazonaws.dynamodb.v20120810#"
THROTTLES: dict[Service, tuple[WireError, ...]] = {
    "dynamodb": (
        _json_error(
            "dynamodb",
            400,
            _DDB + "ProvisionedThroughputExceededException",
            "The level of configured provisioned throughput for the table was exceeded.",
        ),
        _json_error(
            "dynamodb", 400, "com.amazon.coral.availability#ThrottlingException", "Rate of requests exceeds the limit."
        ),
    ),
    "sqs": (
        _json_error(
            "sqs", 400, "com.amazonaws.sqs#RequestThrottled", "Request is throttled.", "RequestThrottled;Sender"
        ),
        _json_error(
            "sqs",
            400,
            "com.amazon.coral.availability#ThrottlingException",
            "Rate exceeded",
            "ThrottlingException;Sender",
        ),
    ),
    "s3": (_s3_error(503, "SlowDown", "Please reduce your request rate."),),
}
SERVER_ERRORS: dict[Service, WireError] = {
    "dynamodb": _json_error("dynamodb", 500, _DDB + "InternalServerError", "Internal server error"),
    "sqs": _json_error(
        "sqs", 500, "com.amazonaws.sqs#InternalError", "We encountered an internal error.", "InternalError;Receiver"
    ),
    "s3": _s3_error(500, "InternalError", "We encountered an internal error. Please try again."),
}


def operation(service: Service, method: str, target: str | None) -> str:
    """``UpdateItem``, ``SendMessage``... (JSON protocols); ``PUT``, ``GET``... for S3."""
    if service == "s3" or not target:
        return method
    return target.rsplit(".", 1)[-1]


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return None


_ASSIGNMENT = re.compile(r"(#?[\w]+)\s*=\s*(:[\w]+)")


def _assigned_status(update: dict[str, Any]) -> str | None:
    """The value an UpdateItem (or a transaction's Update) gives the attribute ``status``, if any."""
    expression = str(update.get("UpdateExpression", ""))
    names = update.get("ExpressionAttributeNames") or {}
    values = update.get("ExpressionAttributeValues") or {}
    for name, value in _ASSIGNMENT.findall(expression.split("REMOVE")[0]):
        if names.get(name, name) == "status":
            assigned = values.get(value, {})
            return str(assigned.get("S")) if isinstance(assigned, dict) and "S" in assigned else None
    return None


KEY_NAMES = ("id", "import_id")  # the service's string keys: jobs, import rows


def _first_key(key: object) -> str | None:
    """The item's string key: ``id`` or ``import_id`` when present (an Item has other strings too),
    else the first string of a Key."""
    if not isinstance(key, dict):
        return None
    for name in KEY_NAMES:
        if isinstance(key.get(name), dict) and "S" in key[name]:
            return str(key[name]["S"])
    for value in key.values():
        if isinstance(value, dict) and "S" in value:
            return str(value["S"])
    return None


def _line(item: object) -> int | None:
    """The ``line`` number of an import row's key or item (the import-rows table's sort key)."""
    value = item.get("line") if isinstance(item, dict) else None
    return int(value["N"]) if isinstance(value, dict) and "N" in value else None


def _write(table: object, key: object, status: str | None) -> dict[str, Any]:
    return {"table": table, "key": _first_key(key), "line": _line(key), "status": status}


def dynamodb_writes(op: str, body: Any) -> list[dict[str, Any]]:
    """Each item write in a DynamoDB request: ``{"table", "key", "line", "status"}``: the first string
    of the key, the import row's line (or None), the status it sets (or None)."""
    if not isinstance(body, dict):
        return []
    if op == "UpdateItem":
        return [_write(body.get("TableName"), body.get("Key"), _assigned_status(body))]
    if op == "DeleteItem":
        return [_write(body.get("TableName"), body.get("Key"), None)]
    if op == "PutItem":
        item = body.get("Item") or {}
        status = item.get("status", {}).get("S") if isinstance(item.get("status"), dict) else None
        return [_write(body.get("TableName"), item, status)]
    if op == "TransactWriteItems":
        writes = []
        for entry in body.get("TransactItems") or []:
            for kind, action in entry.items() if isinstance(entry, dict) else ():
                if isinstance(action, dict) and kind in ("Update", "Put", "Delete"):
                    key = action.get("Key") if kind != "Put" else action.get("Item")
                    status = _assigned_status(action) if kind == "Update" else None
                    writes.append(_write(action.get("TableName"), key, status))
        return writes
    return []


def facts(service: Service, op: str, path: str, request: bytes, answer: bytes | None) -> dict[str, Any]:
    """The small facts the chaos tally needs, read from one exchange (bodies are not kept)."""
    if service == "dynamodb" and op in ("UpdateItem", "PutItem", "DeleteItem", "TransactWriteItems"):
        return {"writes": dynamodb_writes(op, _json(request))}
    if service == "sqs" and op in ("SendMessage", "SendMessageBatch"):
        body = _json(request) or {}
        bodies = (
            [body.get("MessageBody")]
            if op == "SendMessage"
            else [e.get("MessageBody") for e in body.get("Entries", [])]
        )
        return {"sent": [str(b) for b in bodies if b is not None]}
    if service == "sqs" and op == "ReceiveMessage" and answer is not None:
        messages = (_json(answer) or {}).get("Messages") or []
        return {
            "received": [
                [str(m.get("Body")), int(m.get("Attributes", {}).get("ApproximateReceiveCount", "1"))] for m in messages
            ]
        }
    if service == "s3" and op in ("PUT", "POST"):
        return {"key": path.split("?", 1)[0].lstrip("/").split("/", 1)[-1], "query": path.partition("?")[2]}
    return {}
