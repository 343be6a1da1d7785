"""Reading the query string and a JSON body, with errors that name them and the rule (models then
check their fields)."""

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


def query_params(request: Request) -> dict[str, str]:
    """The query string's parameters, each given once. API Gateway and Chalice keep every value of
    a repeated parameter and ``query_params[name]`` picks the last: a repeat is a 400 naming it."""
    params = request.query_params
    if not params:
        return {}
    found: dict[str, str] = {}
    for name in params:
        values = params.getlist(name)
        if len(values) != 1:
            raise InvalidInput(name[:100], f"is given {len(values)} times; give it once")
        found[name] = values[0]
    return found
