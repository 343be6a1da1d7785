"""Reading query parameters and JSON bodies, with errors that name the parameter and the rule."""

from __future__ import annotations

import json
import re
from collections.abc import Collection
from datetime import datetime
from typing import Any

from chalice.app import Request

from chalicelib.errors import InvalidInput

_FROM_DATE = re.compile(r"\d{4}-\d{2}-\d{2}( \d{2}:\d{2}:\d{2})?")


def query_params(request: Request, allowed: Collection[str]) -> dict[str, str]:
    """The query string as a dict; a parameter not in ``allowed`` is an error, not ignored."""
    params = dict(request.query_params or {})
    for name in params:
        if name not in allowed:
            raise InvalidInput(name, f"unknown parameter; allowed: {', '.join(allowed)}")
    return params


def required(params: dict[str, str], name: str) -> str:
    value = params.get(name, "").strip()
    if not value:
        raise InvalidInput(name, "is required")
    return value


def optional_text(params: dict[str, str], name: str) -> str | None:
    if name not in params:
        return None
    value = params[name].strip()
    if not value:
        raise InvalidInput(name, "must not be empty when given")
    return value


def from_date(params: dict[str, str], name: str = "from_date") -> str | None:
    """``YYYY-MM-DD`` or ``YYYY-MM-DD HH:MM:SS``, a real date and time, or None when absent."""
    value = optional_text(params, name)
    if value is None:
        return None
    layout = "%Y-%m-%d %H:%M:%S" if len(value) > 10 else "%Y-%m-%d"
    try:
        if not _FROM_DATE.fullmatch(value):
            raise ValueError
        datetime.strptime(value, layout)
    except ValueError:
        raise InvalidInput(name, f"{value!r} is not a date like 2022-03-01 or 2022-03-01 10:00:00") from None
    return value


def json_object(request: Request) -> dict[str, Any]:
    """The body as a JSON object; an empty body is ``{}``."""
    raw = request.raw_body
    if not raw or not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except ValueError:
        raise InvalidInput("body", "is not valid JSON") from None
    if not isinstance(body, dict):
        raise InvalidInput("body", "must be a JSON object")
    return body
