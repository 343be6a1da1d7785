"""Structured logs: one JSON object per line, carrying the job and request being served.

The fields of the work in hand (``job_id``, ``kind``, ``attempt``, ``request_id``) live in one
context variable, so every line logged while a job runs or a request is served carries them,
whichever module logs it. ``scope()`` opens a unit of work and forgets its fields at the end;
``bind()`` adds fields within it. The same formatter runs on AWS (on Lambda's own handler of the
root logger, which CloudWatch Logs Insights reads as JSON) and locally (``make run``'s logs).
Stdlib only: nothing added to the Lambda zip.
"""

from __future__ import annotations

import contextvars
import json
import logging
import os
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from functools import wraps
from types import MappingProxyType
from typing import Any, TypeVar

# The fields a line may carry from its context, in the order they are written.
FIELDS = ("job_id", "kind", "attempt", "request_id")
# Never mutated: each change sets a new mapping, so resetting a scope's token undoes its binds too.
_context: contextvars.ContextVar[Mapping[str, Any]] = contextvars.ContextVar(
    "telemetry_fields", default=MappingProxyType({})
)

Handler = TypeVar("Handler", bound=Callable[..., Any])


def current() -> dict[str, Any]:
    """The fields of the work in hand (empty outside any)."""
    return dict(_context.get())


def bind(**fields: Any) -> None:
    """Add ``fields`` (None values are ignored) to the work in hand, until its ``scope`` ends."""
    _context.set({**_context.get(), **{name: value for name, value in fields.items() if value is not None}})


@contextmanager
def scope(**fields: Any) -> Iterator[None]:
    """A unit of work (a message, a request): its fields, and any bound within it, end with it."""
    token = _context.set(dict(_context.get()))
    bind(**fields)
    try:
        yield
    finally:
        _context.reset(token)


def _utc_iso(created: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(created)) + f".{int(created % 1 * 1000):03d}Z"


class JsonFormatter(logging.Formatter):
    """A record as one line of JSON: time (UTC), level, logger, message, the context's fields,
    and the traceback of an exception (one string: the line stays one line)."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": _utc_iso(record.created),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        fields = _context.get()
        line.update((name, fields[name]) for name in FIELDS if name in fields)
        lambda_request_id = getattr(record, "aws_request_id", None)  # Lambda's filter adds it on AWS
        if "request_id" not in line and lambda_request_id:
            line["request_id"] = lambda_request_id
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            line["exception"] = record.exc_text
        return json.dumps(line, default=str, ensure_ascii=False)


def serves(environ: Mapping[str, str]) -> bool:
    """This process serves the app: a Lambda function (``AWS_LAMBDA_FUNCTION_NAME``: AWS, and the
    local runner's environments) or the Chalice CLI (``AWS_CHALICE_CLI_MODE``: ``chalice local``).
    Processes that only import the app (the local runner reading its event sources, tests) keep
    their own logging: the runner's lines stay Lambda's platform text (REPORT ...)."""
    return bool(environ.get("AWS_LAMBDA_FUNCTION_NAME") or environ.get("AWS_CHALICE_CLI_MODE"))


def configure_json_logs(environ: Mapping[str, str] = os.environ) -> bool:
    """Where the app ``serves``: JSON lines from the root logger (its handlers, Lambda's or the
    local environment's, get the JSON formatter; without any, one to stderr is added), at
    ``LOG_LEVEL`` (default INFO). True if it did."""
    if not serves(environ):
        return False
    root = logging.getLogger()
    if not root.handlers:
        root.addHandler(logging.StreamHandler(sys.stderr))
    for handler in root.handlers:
        handler.setFormatter(JsonFormatter())
    root.setLevel(environ.get("LOG_LEVEL") or "INFO")
    logging.getLogger("botocore").setLevel(logging.WARNING)
    return True


def invocation(handler: Handler) -> Handler:
    """Decorate a Lambda handler taking a Chalice event: each invocation is a ``scope`` carrying
    Lambda's ``aws_request_id``."""

    @wraps(handler)
    def traced(event: Any, *args: Any, **kwargs: Any) -> Any:
        context = getattr(event, "context", None)
        with scope(request_id=getattr(context, "aws_request_id", None)):
            return handler(event, *args, **kwargs)

    return traced  # type: ignore[return-value]
