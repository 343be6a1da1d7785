"""Lambda's context object: the parts a handler may read, with a true deadline.

Lambda's runtime API hands each invocation its deadline as epoch milliseconds
(``Lambda-Runtime-Deadline-Ms``); ``get_remaining_time_in_millis`` counts down to it. The local
runner passes the same absolute deadline to the execution environment, so the time left that a
handler reads is the time left before the runner kills it.
"""

from __future__ import annotations

import time
import uuid


def now_ms() -> int:
    return int(time.time() * 1000)


class LambdaContext:
    """The context a local invocation gets: name, request id, memory size and the time left."""

    def __init__(self, function: str, deadline_ms: int, memory_mb: int = 1024, request_id: str | None = None) -> None:
        self.function_name = function
        self.function_version = "$LATEST"
        self.aws_request_id = request_id or str(uuid.uuid4())
        self.memory_limit_in_mb = memory_mb
        self.deadline_ms = deadline_ms

    @classmethod
    def lasting(cls, function: str, timeout_seconds: float, memory_mb: int = 1024) -> LambdaContext:
        """A context whose invocation ends ``timeout_seconds`` from now."""
        return cls(function, now_ms() + int(timeout_seconds * 1000), memory_mb)

    def get_remaining_time_in_millis(self) -> int:
        return max(self.deadline_ms - now_ms(), 0)
