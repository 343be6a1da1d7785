"""Sending one post to the third-party API: through the shared rate limiter, with a timeout and retries.

``POST {POSTS_API_URL}/posts`` with the row as JSON, answered with ``{"id": N, ...}``. A timeout
(2 s), a 429 or a 5xx is retried with exponential backoff, each attempt taking its own slot from
the limiter, up to ``ATTEMPTS``; then the row is an error with the reason. Other 4xx answers are
not retried.
"""

from __future__ import annotations

import http.client
import json
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from chalicelib.errors import ContinueLater
from chalicelib.imports.limiter import RateLimiter

TIMEOUT_SECONDS = 2.0
ATTEMPTS = 3
BACKOFF_SECONDS = 0.5
RETRYABLE = {429, 500, 502, 503, 504}


class SlotTooFar(ContinueLater):
    """The limiter's next slot is further away than a worker should wait: re-queue the work."""


@dataclass(frozen=True)
class Outcome:
    ok: bool
    post_id: int | None = None
    error: str | None = None
    attempts: int = 1
    # A slot taken for the next request as soon as this one was answered, so that recording this
    # row's outcome overlaps the wait instead of pushing the next send later.
    next_slot: int | None = None


def _connect(url: str) -> http.client.HTTPConnection:
    """An open connection to the API, made before the slot so the request leaves right on time."""
    parts = urllib.parse.urlsplit(url)
    kind = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    connection = kind(parts.hostname or "", parts.port, timeout=TIMEOUT_SECONDS)
    connection.connect()
    return connection


def _post(connection: http.client.HTTPConnection, url: str, post: dict[str, Any]) -> tuple[int, Any]:
    path = f"{urllib.parse.urlsplit(url).path.rstrip('/')}/posts"
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    connection.request("POST", path, body=json.dumps(post).encode(), headers=headers)
    response = connection.getresponse()
    data = response.read()
    try:
        return response.status, json.loads(data) if data else None
    except ValueError:
        return response.status, None


def _connected_in_slot(url: str, limiter: RateLimiter, max_wait: float, slot: int | None) -> http.client.HTTPConnection:
    """Reserve a slot (or use ``slot``), connect, and wait for it; a new slot if we woke too late."""
    while True:
        slot = slot if slot is not None else limiter.reserve(max_wait)
        if slot is None:
            raise SlotTooFar(f"the rate limiter's next slot is more than {max_wait:.0f} s away", int(max_wait))
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
    return replace(outcome, next_slot=limiter.reserve(max_wait))


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
        connection = None
        try:
            connection = _connected_in_slot(url, limiter, max_wait, reserved if attempt == 1 else None)
            status, answer = _post(connection, url, post)
        except TimeoutError:
            reason = f"no answer within {TIMEOUT_SECONDS:.0f} s"
        except (OSError, http.client.HTTPException) as exc:
            reason = f"could not connect: {exc}" if connection is None else f"connection failed: {exc}"
        else:
            if 200 <= status < 300 and isinstance(answer, dict) and isinstance(answer.get("id"), int):
                return Outcome(True, post_id=answer["id"], attempts=attempt)
            reason = f"HTTP {status}" if not 200 <= status < 300 else "answer without an id"
            if status not in RETRYABLE and not 200 <= status < 300:
                return Outcome(False, error=reason, attempts=attempt)
        finally:
            if connection is not None:
                connection.close()
        if attempt < ATTEMPTS:
            pause(BACKOFF_SECONDS * 2 ** (attempt - 1))
    return Outcome(False, error=f"{reason} (after {ATTEMPTS} attempts)", attempts=ATTEMPTS)
