"""Sending one post to the third-party API: through the shared rate limiter, with a timeout, at most once.

``POST {POSTS_API_URL}/posts`` with the row as JSON, answered with ``{"id": N, ...}``. Once a
request's bytes may have reached the API, the post may exist, so the row is never sent again: a
timeout (2 s), a broken connection, a 5xx or a 2xx without an id is an outcome ``unknown``. Only
failures that prove nothing was created are retried, each attempt in its own slot, up to
``ATTEMPTS``: a connection that could not be made (nothing was sent) and a 429 (the API refused
the request before handling it). A 503 is not retried: it does not prove that much, since a
gateway answers 503 when the application behind it is too slow, while the application may still
create the post (Heroku's router does so after 30 s). Other 4xx answers are errors, not retried.
A 429 (and a 503 with ``Retry-After``) pushes back the shared limiter by its ``Retry-After`` (a
429 by the backoff at least), so no worker sends before then, this one's retry included.

An attempt starts only if its wait for a slot, the request and recording the outcome fit in the
time the invocation has left (``chalicelib.jobs.invocation``); if not, and nothing was sent,
``NotSent`` hands the row back for a later delivery.
"""

from __future__ import annotations

import email.utils
import http.client
import json
import logging
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.errors import ContinueLater
from chalicelib.imports.limiter import LimiterBusy, RateLimiter, now_ms
from chalicelib.jobs import invocation

log = logging.getLogger(__name__)
TIMEOUT_SECONDS = 2.0
# Once its slot has come, a request takes at most this long: the connection, then the request and
# its answer (each socket operation within TIMEOUT_SECONDS).
SEND_SECONDS = 2 * TIMEOUT_SECONDS
# Kept for recording a row's outcome after its request (the ledger's transaction and its retries).
RECORD_SECONDS = 10.0
# No row starts, and no attempt waits for its slot, unless this much of the invocation is left after.
ROW_SECONDS = SEND_SECONDS + RECORD_SECONDS
ATTEMPTS = 3
BACKOFF_SECONDS = 0.5
# The longest a Retry-After may hold every worker's sends back.
MAX_RETRY_AFTER = 300.0
# Answers that prove the post was not created, so the request may be sent again.
RETRYABLE = {429}
OK, ERROR, UNKNOWN = "ok", "error", "unknown"
MAY_EXIST = "the post may exist; not sent again"


class NotSent(ContinueLater):
    """Stopped before any request for this row could reach the API: the row may be sent later."""


class Unsent(Exception):
    """An AWS error (the ``__cause__``) before any request for the row could reach the API: the row
    is handed back, and the error goes on to the worker (which retries a transient one)."""


class SlotTooFar(NotSent):
    """The limiter's next slot is further away than a worker should wait: re-queue the work."""


@dataclass(frozen=True)
class Outcome:
    """What became of one post: ``OK`` (with its id), ``ERROR`` (not created) or ``UNKNOWN``."""

    result: str
    post_id: int | None = None
    error: str | None = None
    attempts: int = 1
    # A slot taken for the next request as soon as this one was answered, so that recording this
    # row's outcome overlaps the wait instead of pushing the next send later.
    next_slot: int | None = None

    @property
    def ok(self) -> bool:
        return self.result == OK


def _connect(url: str) -> http.client.HTTPConnection:
    """An open connection to the API, made before the slot so the request leaves right on time."""
    parts = urllib.parse.urlsplit(url)
    kind = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    connection = kind(parts.hostname or "", parts.port, timeout=TIMEOUT_SECONDS)
    connection.connect()
    return connection


@dataclass(frozen=True)
class _Answer:
    status: int
    body: Any
    # Seconds the API asked us to wait (``Retry-After``), if it did.
    retry_after: float | None = None


def _post(connection: http.client.HTTPConnection, url: str, post: dict[str, Any]) -> _Answer:
    path = f"{urllib.parse.urlsplit(url).path.rstrip('/')}/posts"
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    connection.request("POST", path, body=json.dumps(post).encode(), headers=headers)
    response = connection.getresponse()
    data = response.read()
    retry_after = retry_after_seconds(response.getheader("Retry-After"))
    try:
        return _Answer(response.status, json.loads(data) if data else None, retry_after)
    except ValueError:
        return _Answer(response.status, None, retry_after)


def retry_after_seconds(header: str | None, now: float | None = None) -> float | None:
    """``Retry-After`` as seconds from now (delay-seconds or an HTTP date), at most ``MAX_RETRY_AFTER``."""
    if header is None:
        return None
    text = header.strip()
    if text.isdigit():
        seconds = float(text)
    else:
        try:
            moment = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError):
            return None
        if moment.tzinfo is None:
            return None
        seconds = moment.timestamp() - (time.time() if now is None else now)
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)


def wait_allowed(max_wait: float) -> float:
    """How long a row may still wait for its slot: ``max_wait``, or less when the invocation ends
    sooner than the wait, the request (``SEND_SECONDS``) and recording its outcome would take."""
    return min(max_wait, invocation.remaining_seconds() - ROW_SECONDS)


def _connected_in_slot(url: str, limiter: RateLimiter, max_wait: float, slot: int | None) -> http.client.HTTPConnection:
    """Reserve a slot (or use ``slot``), connect, and wait for it; a new slot if we woke too late.
    ``NotSent`` when the slot is further away than the row may wait."""
    while True:
        allowed = wait_allowed(max_wait)
        if allowed < 0:
            raise NotSent(f"{invocation.remaining_seconds():.0f} s left in this invocation: too few for a row")
        if slot is not None and slot - now_ms() > allowed * 1000:
            raise NotSent(f"the slot reserved for this row is more than {allowed:.0f} s away (the time left)")
        try:
            slot = slot if slot is not None else limiter.reserve(allowed)
        except (ClientError, LimiterBusy) as exc:
            raise Unsent(f"the rate limiter could not be used: {exc}") from exc
        if slot is None:
            raise SlotTooFar(f"the rate limiter's next slot is more than {allowed:.0f} s away", int(allowed))
        connection = _connect(url)
        if limiter.wait(slot):
            return connection
        connection.close()
        slot = None


def send(
    url: str,
    post: dict[str, Any],
    limiter: RateLimiter,
    *,
    max_wait: float,
    reserved: int | None = None,
    sleep: Callable[[float], None] | None = None,
) -> Outcome:
    """Send ``post`` (in the ``reserved`` slot, if one was taken); never more often than the limiter
    allows, whatever the retries. The outcome carries a slot reserved for the next request."""
    outcome = _send(url, post, limiter, max_wait=max_wait, reserved=reserved, sleep=sleep)
    allowed = wait_allowed(max_wait)
    if allowed < 0:
        return outcome
    try:
        return replace(outcome, next_slot=limiter.reserve(allowed))
    except (ClientError, LimiterBusy):  # only a head start for the next row, which reserves its own
        return outcome


def _send(
    url: str,
    post: dict[str, Any],
    limiter: RateLimiter,
    *,
    max_wait: float,
    reserved: int | None,
    sleep: Callable[[float], None] | None,
) -> Outcome:
    pause = sleep or limiter.sleep
    reason = ""
    for attempt in range(1, ATTEMPTS + 1):
        backoff = BACKOFF_SECONDS * 2 ** (attempt - 1)
        try:
            connection = _connected_in_slot(url, limiter, max_wait, reserved if attempt == 1 else None)
        except (OSError, http.client.HTTPException) as exc:  # no connection: nothing was sent
            reason = f"could not connect: {exc}"
            if attempt < ATTEMPTS:
                if backoff > wait_allowed(max_wait):  # nothing reached the API: the row may go later
                    raise NotSent(f"{reason}; too little time left in this invocation to try again") from exc
                pause(backoff)
            continue
        outcome = _request(connection, url, post, attempt, limiter, backoff)
        if outcome is not None:
            return outcome
        reason = "HTTP 429"
    return Outcome(ERROR, error=f"{reason} (after {ATTEMPTS} attempts)", attempts=ATTEMPTS)


def _push_back(limiter: RateLimiter, status: int, seconds: float) -> None:
    """Hold every worker's sends back ``seconds``. If the shared schedule cannot be written, a 429's
    row (not created) is handed back to go later; a 503's outcome is recorded all the same."""
    try:
        limiter.push_back(now_ms() + int(seconds * 1000))
    except ClientError as exc:
        if status in RETRYABLE:
            raise Unsent(f"HTTP {status}, and the rate limiter could not be pushed back: {exc}") from exc
        log.warning("HTTP %s: the rate limiter could not be pushed back %.1f s: %s", status, seconds, exc)


def _request(
    connection: http.client.HTTPConnection,
    url: str,
    post: dict[str, Any],
    attempt: int,
    limiter: RateLimiter,
    backoff: float,
) -> Outcome | None:
    """Send the request on ``connection``: its outcome, or None when the API refused it unhandled
    (429). A 429 or 503 pushes back every worker's schedule, by its ``Retry-After`` (a 429 by
    ``backoff`` at least): the API's limit is the deployment's, not this worker's."""
    try:
        answer = _post(connection, url, post)
    except TimeoutError:
        return Outcome(UNKNOWN, error=f"no answer within {TIMEOUT_SECONDS:.0f} s; {MAY_EXIST}", attempts=attempt)
    except (OSError, http.client.HTTPException) as exc:
        return Outcome(UNKNOWN, error=f"connection failed during the request: {exc}; {MAY_EXIST}", attempts=attempt)
    finally:
        connection.close()
    status, body = answer.status, answer.body
    if status in RETRYABLE or (status == 503 and answer.retry_after is not None):
        _push_back(limiter, status, max(answer.retry_after or 0.0, backoff if status in RETRYABLE else 0.0))
    if 200 <= status < 300:
        if isinstance(body, dict) and isinstance(body.get("id"), int):
            return Outcome(OK, post_id=body["id"], attempts=attempt)
        return Outcome(UNKNOWN, error=f"HTTP {status} without an id; {MAY_EXIST}", attempts=attempt)
    if status in RETRYABLE:
        return None
    if status >= 500:
        return Outcome(UNKNOWN, error=f"HTTP {status}; {MAY_EXIST}", attempts=attempt)
    return Outcome(ERROR, error=f"HTTP {status}", attempts=attempt)
