"""Reading a JSON body, with errors that name it and the rule (models then check its fields)."""

from __future__ import annotations

import json
from typing import Any

from chalice.app import Request

from chalicelib.errors import InvalidInput


def json_object(request: Request) -> dict[str, Any]:
    """The body as a JSON object; an empty body is ``{}``."""
    raw = request.raw_body
    if not raw or not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):  # RecursionError: nested deeper than the parser goes
        raise InvalidInput("body", "is not valid JSON") from None
    if not isinstance(body, dict):
        raise InvalidInput("body", "must be a JSON object")
    return body
