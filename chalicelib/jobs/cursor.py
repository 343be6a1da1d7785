"""The opaque ``cursor`` of ``GET /jobs``: where the next page starts, and the query it belongs to.

A cursor is URL-safe base64 (no padding) of a small JSON object: the query's filters as the client
gave them (normalised), the last listed job's ``id`` and its ``created_key``. It is not signed: it
grants nothing, it only names a position, and everything in it is checked before it reaches
DynamoDB. A cursor that does not decode, lacks a field, holds a malformed id or key, or was made
for another query (other kind, status, since or until) is a 400 naming ``cursor``; only ``limit``
may change from page to page.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from typing import Any

from chalicelib.errors import InvalidInput

MAX_LENGTH = 600  # far above any cursor this module makes (about 250 characters)
_ALPHABET = re.compile(r"[A-Za-z0-9_-]+")
_ID = re.compile(r"[0-9a-f]{32}")
_CREATED_KEY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z#(?P<id>[0-9a-f]{32})")
_FIELDS = {"q", "id", "at"}


@dataclass(frozen=True)
class Position:
    """The last job a page listed: the next page starts after it."""

    job_id: str
    created_key: str


def encode(query: list[str | None], position: Position) -> str:
    """The cursor of ``position`` in the listing of ``query`` (its filters, in a fixed order)."""
    text = json.dumps({"q": query, "id": position.job_id, "at": position.created_key}, separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode(cursor: str, query: list[str | None]) -> Position:
    """The position ``cursor`` names, if it is one this module made for ``query``; else ``InvalidInput``."""
    found = _load(cursor)
    if not isinstance(found, dict) or set(found) != _FIELDS:
        raise _bad("is not a cursor this API gave out; start without it")
    job_id, created_key = found["id"], found["at"]
    if not (isinstance(job_id, str) and isinstance(created_key, str) and _ID.fullmatch(job_id)):
        raise _bad("is not a cursor this API gave out; start without it")
    match = _CREATED_KEY.fullmatch(created_key)
    if match is None or match["id"] != job_id:
        raise _bad("is not a cursor this API gave out; start without it")
    if found["q"] != query:
        raise _bad("was given out for another query: repeat its kind, status, since and until, or start without it")
    return Position(job_id, created_key)


def _load(cursor: str) -> Any:
    if len(cursor) > MAX_LENGTH or not _ALPHABET.fullmatch(cursor):
        raise _bad(f"must be the next_cursor of an earlier page (URL-safe base64, at most {MAX_LENGTH} characters)")
    try:
        return json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        raise _bad("is not a cursor this API gave out; start without it") from None


def _bad(rule: str) -> InvalidInput:
    return InvalidInput("cursor", rule)
