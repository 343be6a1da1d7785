"""Calls to the service's HTTP API, one new connection per request, timed with ``perf_counter``.

``chalice local`` handles keep-alive badly, so each request opens its own connection and asks the
server to close it: the time measured is what a fresh client sees (connect, send, read the body).
"""

from __future__ import annotations

import http.client
import json
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit


class ApiError(RuntimeError):
    """The API answered something the benchmark cannot use."""


@dataclass(frozen=True)
class Reply:
    status: int
    body: dict[str, Any]
    seconds: float


def call(base_url: str, method: str, path: str, payload: dict[str, Any] | None = None, timeout: float = 30.0) -> Reply:
    """One JSON request on a fresh connection; ``seconds`` covers connect to the last byte of the body."""
    data = None if payload is None else json.dumps(payload).encode()
    return send(base_url, method, path, data, "application/json" if data is not None else None, timeout)


def send(
    base_url: str, method: str, path: str, data: bytes | None, content_type: str | None, timeout: float = 30.0
) -> Reply:
    """One request with a raw body on a fresh connection, answered with a JSON object."""
    parts = urlsplit(base_url)
    headers = {"Connection": "close", "Accept": "application/json"}
    if content_type is not None:
        headers["Content-Type"] = content_type
    started = time.perf_counter()
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=timeout)
    try:
        connection.request(method, path, body=data, headers=headers)
        response = connection.getresponse()
        raw = response.read()
    finally:
        connection.close()
    seconds = time.perf_counter() - started
    body = json.loads(raw) if raw else {}
    if not isinstance(body, dict):
        raise ApiError(f"{method} {path}: expected a JSON object, got {raw[:200]!r}")
    return Reply(response.status, body, seconds)


def expect(reply: Reply, status: int, what: str) -> Reply:
    """``reply`` if it has ``status``; an ``ApiError`` naming ``what`` otherwise."""
    if reply.status != status:
        raise ApiError(f"{what}: HTTP {reply.status} (expected {status}): {json.dumps(reply.body)[:300]}")
    return reply
