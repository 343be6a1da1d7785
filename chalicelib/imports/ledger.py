"""What happened to each row of an import, and the import's counters, in DynamoDB.

One item per row (``import_id``, ``line``) and a summary item at line 0 with the counters
(``chalicelib.imports.items.ImportItem``). A row is written ``sending`` before its request and ``ok``,
``error`` or ``unknown`` after, in one transaction with the counters it moves, so counters are
exact even when a message is delivered twice. Only the row's own failed condition means "already
recorded"; a conflict or throttling is tried again, then raised as ``RetryableJobError`` so that
the job is delivered again (its row, sent but unrecorded, is then recorded ``unknown``).

``unknown``: the request may have reached the API (a timeout, a 5xx, a worker that stopped
mid-request), so the post may exist; it is never sent again. It counts as failed (``rows_in`` =
invalid + sent + failed) and also in ``rows_unknown``; the public results show it as an
``error`` with ``outcome_unknown: true``, within the API's contract (``result`` is ok or error).
Only a retry asked to (``resend_unknown``) sends them again: ``mark_for_resend`` turns each into
``resend`` and moves its counters back, in one transaction, and adds its line to the summary's
``resend_lines``; the next run claims a ``resend`` row as it claims a new one.
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pynamodb.attributes import NumberAttribute
from pynamodb.exceptions import DeleteError, DoesNotExist, PutError, TransactWriteError
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from chalicelib import clock
from chalicelib.aws.transient import is_transient
from chalicelib.config import get_settings
from chalicelib.errors import RetryableJobError
from chalicelib.imports.items import COUNTERS, SUMMARY_LINE, ImportItem, transactions
from chalicelib.imports.posts_api import ERROR, OK, UNKNOWN
from chalicelib.imports.rows import Row

SENDING = "sending"
RESEND = "resend"  # an unknown row a retry asked to send again
RESEND_NOTE = "the outcome was unknown; the retry sends it again"
_CONDITION_FAILED = "ConditionalCheckFailedException"
RECORD_ATTEMPTS = 5
RECORD_BACKOFF_SECONDS = 0.05
# The counters each result moves (with ``rows_in``); an invalid row moves ``rows_invalid``.
MOVES = {OK: ("rows_sent",), ERROR: ("rows_failed",), UNKNOWN: ("rows_failed", "rows_unknown")}


@dataclass(frozen=True)
class Claim:
    """Whether this delivery may send the row, or what is already known of it."""

    send: bool
    result: str | None = None


def _expires_at() -> int:
    """RETENTION_DAYS from now, as its job (DynamoDB's time to live reads ``expires_at``)."""
    return clock.expiry(get_settings().retention_days)


def _counter(name: str) -> NumberAttribute:
    attribute: NumberAttribute = getattr(ImportItem, name)
    return attribute


def start(import_id: str, rows_total: int) -> None:
    """Create the summary (idempotent: a second delivery keeps the counters)."""
    summary = ImportItem(import_id, SUMMARY_LINE, expires_at=_expires_at())
    for name in COUNTERS:
        setattr(summary, name, rows_total if name == "rows_total" else 0)
    try:
        summary.save(condition=ImportItem.line.does_not_exist())
    except PutError as exc:
        if exc.cause_response_code != _CONDITION_FAILED:
            raise


def last_line(import_id: str) -> int:
    """The highest line with an outcome or a pending send (rows are processed in order)."""
    newest = ImportItem.query(
        import_id, ImportItem.line > SUMMARY_LINE, scan_index_forward=False, limit=1, consistent_read=True
    )
    return next((int(row.line) for row in newest), 0)


def to_resend(import_id: str) -> frozenset[int]:
    """The lines a retry marked ``resend`` (some may be sent again already: their claim tells)."""
    try:
        item = ImportItem.get(import_id, SUMMARY_LINE, consistent_read=True)
    except DoesNotExist:
        return frozenset()
    return frozenset(int(line) for line in item.resend_lines or ())


def mark_for_resend(import_id: str) -> int:
    """Mark every ``unknown`` row to be sent again, moving its counters back (each row with the
    summary in one transaction: exact when two retries or a crash repeat it); how many it marked."""
    unknown = ImportItem.query(
        import_id, ImportItem.line > SUMMARY_LINE, filter_condition=ImportItem.result == UNKNOWN, consistent_read=True
    )
    marked = 0
    for item in unknown:
        line = int(item.line)
        row_actions: list[Action] = [ImportItem.result.set(RESEND), ImportItem.error.set(RESEND_NOTE)]
        summary_actions = [
            *(_counter(name).add(-1) for name in ("rows_in", *MOVES[UNKNOWN])),
            ImportItem.resend_lines.add({line}),
        ]
        if _transact(import_id, line, row_actions, ImportItem.result == UNKNOWN, summary_actions):
            marked += 1
    return marked


def claim(import_id: str, row: Row) -> Claim:
    """Mark the row ``sending`` (a new row, or one a retry marked ``resend``); if it is already
    known, say what it is instead."""
    token = uuid.uuid4().hex
    item = ImportItem(
        import_id, row.line, result=SENDING, user_id=row.user_id, expires_at=_expires_at(), claim_token=token
    )
    try:
        item.save(condition=ImportItem.line.does_not_exist() | (ImportItem.result == RESEND))
    except PutError as exc:
        if exc.cause_response_code != _CONDITION_FAILED:
            raise
        existing = ImportItem.get(import_id, row.line, consistent_read=True)
        if existing.result == SENDING and existing.claim_token == token:
            return Claim(send=True)  # our own mark, whose answer was lost: botocore sent it again
        return Claim(send=False, result=existing.result)
    return Claim(send=True)


def unclaim(import_id: str, row: Row) -> None:
    """Give back a row marked ``sending`` that was not sent after all (its job is re-queued)."""
    try:
        ImportItem(import_id, row.line).delete(condition=ImportItem.result == SENDING)
    except DeleteError as exc:
        if exc.cause_response_code != _CONDITION_FAILED:
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
    actions: list[Action] = [ImportItem.result.set(result)]
    if row.user_id is not None:
        actions.append(ImportItem.user_id.set(row.user_id))
    if post_id is not None:
        actions.append(ImportItem.post_id.set(post_id))
    if error is not None:
        actions.append(ImportItem.error.set(error))
    if invalid:  # a new item (an invalid row is never claimed): it expires as the claimed ones do
        actions.append(ImportItem.expires_at.set(_expires_at()))
    condition = ImportItem.line.does_not_exist() if invalid else ImportItem.result == SENDING
    counters = ("rows_in", *(("rows_invalid",) if invalid else MOVES[result]))
    try:
        _transact(import_id, row.line, actions, condition, [_counter(name).add(1) for name in counters])
    except TransactWriteError as exc:
        if not is_transient(exc):
            raise
        raise RetryableJobError(f"line {row.line}: not recorded after {RECORD_ATTEMPTS} tries: {exc}") from exc


def _transact(
    import_id: str, line: int, row_actions: Sequence[Action], row_condition: Any, summary_actions: Sequence[Action]
) -> bool:
    """Change a row (if ``row_condition`` holds) and the summary together, trying again after a
    conflict or throttling; False if the row's condition failed (it was done before)."""
    for attempt in range(1, RECORD_ATTEMPTS + 1):
        try:
            with TransactWrite(connection=transactions()) as transaction:
                transaction.update(ImportItem(import_id, line), actions=list(row_actions), condition=row_condition)
                transaction.update(ImportItem(import_id, SUMMARY_LINE), actions=list(summary_actions))
            return True
        except TransactWriteError as exc:
            if _already_recorded(exc):
                return False
            if not is_transient(exc) or attempt == RECORD_ATTEMPTS:  # a conflict or throttling
                raise
        time.sleep(RECORD_BACKOFF_SECONDS * 2 ** (attempt - 1) * random.uniform(0.5, 1.5))
    raise AssertionError("unreachable")


def _already_recorded(exc: TransactWriteError) -> bool:
    """The row's own condition failed: a delivery before this one recorded it (counters moved then)."""
    reasons = exc.cancellation_reasons
    return bool(reasons) and reasons[0] is not None and reasons[0].code == "ConditionalCheckFailed"


def summary(import_id: str) -> dict[str, int]:
    try:
        item = ImportItem.get(import_id, SUMMARY_LINE, consistent_read=True)
    except DoesNotExist:
        return dict.fromkeys(COUNTERS, 0)
    return {name: int(getattr(item, name) or 0) for name in COUNTERS}


def results(import_id: str, *, after: int = 0, limit: int = 100) -> tuple[list[dict[str, Any]], int | None]:
    """A page of row outcomes in line order, and the line to continue after (None at the end)."""
    page = ImportItem.query(import_id, ImportItem.line > max(after, SUMMARY_LINE), limit=limit, consistent_read=True)
    rows = [_public(item) for item in page]
    more = page.last_evaluated_key is not None and len(rows) == limit
    return rows, (rows[-1]["line"] if more and rows else None)


def _number(value: float | None) -> int | None:
    return None if value is None else int(value)


def _public(item: ImportItem) -> dict[str, Any]:
    row: dict[str, Any] = {
        "line": int(item.line),
        "userId": _number(item.user_id),
        "result": ERROR if item.result in (UNKNOWN, RESEND) else item.result,
        "postId": _number(item.post_id),
    }
    if item.error is not None:
        row["error"] = item.error
    if item.result in (UNKNOWN, RESEND):
        row["outcome_unknown"] = True
    return row
