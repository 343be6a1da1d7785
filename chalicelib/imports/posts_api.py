"""Sending one post to the third-party API: through the shared rate limiter, with a timeout and retries.

``POST {POSTS_API_URL}/posts`` with the row as JSON, answered with ``{"id": N, ...}``. A timeout
(2 s), a 429 or a 5xx is retried with exponential backoff, each attempt taking its own slot from
the limiter, up to ``ATTEMPTS``; then the row is an error with the reason. Other 4xx answers are
not retried.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
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


def _post_once(url: str, post: dict[str, Any]) -> tuple[int, Any]:
    request = urllib.request.Request(
        f"{url.rstrip('/')}/posts",
        data=json.dumps(post).encode(),
        method="POST",
        headers={"Content-Type": "application/json", "Accept": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, None


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
        if limiter.acquire(max_wait, reserved if attempt == 1 else None) is None:
            raise SlotTooFar(f"the rate limiter's next slot is more than {max_wait:.0f} s away", int(max_wait))
        try:
            status, answer = _post_once(url, post)
        except TimeoutError:
            reason = f"no answer within {TIMEOUT_SECONDS:.0f} s"
        except (urllib.error.URLError, ConnectionError) as exc:
            cause = getattr(exc, "reason", exc)
            timed_out = isinstance(cause, TimeoutError)
            reason = f"no answer within {TIMEOUT_SECONDS:.0f} s" if timed_out else f"could not connect: {cause}"
        else:
            if 200 <= status < 300 and isinstance(answer, dict) and isinstance(answer.get("id"), int):
                return Outcome(True, post_id=answer["id"], attempts=attempt)
            reason = f"HTTP {status}" if not 200 <= status < 300 else "answer without an id"
            if status not in RETRYABLE and not 200 <= status < 300:
                return Outcome(False, error=reason, attempts=attempt)
        if attempt < ATTEMPTS:
            pause(BACKOFF_SECONDS * 2 ** (attempt - 1))
    return Outcome(False, error=f"{reason} (after {ATTEMPTS} attempts)", attempts=ATTEMPTS)
