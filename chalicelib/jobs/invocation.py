"""The invocation a job runs in: how much of Lambda's time it has left.

The worker sets the deadline from Lambda's context (``get_remaining_time_in_millis``) around each
job; work that must stop in time (an import's slice, a row's retries) asks ``remaining_seconds``.
Outside an invocation (a test calling a kind directly) there is no deadline.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_deadline: ContextVar[float | None] = ContextVar("invocation_deadline", default=None)


@contextmanager
def running(remaining_ms: int | None) -> Iterator[None]:
    """Within this block, the invocation ends ``remaining_ms`` from now (None: no deadline)."""
    token = _deadline.set(None if remaining_ms is None else time.monotonic() + remaining_ms / 1000)
    try:
        yield
    finally:
        _deadline.reset(token)


def remaining_seconds() -> float:
    """Seconds until the invocation is killed; infinity outside an invocation."""
    deadline = _deadline.get()
    return math.inf if deadline is None else deadline - time.monotonic()
