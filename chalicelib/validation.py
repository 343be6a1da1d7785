"""Validating input with pydantic models, failing with ``InvalidInput``: the field and the rule.

The models are the one description of what the API accepts: they check requests, and the
OpenAPI document is generated from them (``chalicelib.api.openapi``). A model's cross-field
rules raise ``InvalidInput`` themselves, naming the field they blame.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails, PydanticCustomError

from chalicelib.errors import InvalidInput

M = TypeVar("M", bound=BaseModel)
_SHOWN = 60  # characters of a rejected value quoted in a message
_RULE = "rule"  # the error type of our own rules, whose message is shown as it is


def broken(rule: str) -> PydanticCustomError:
    """For a field validator to raise: ``rule`` is the message as the client reads it after the field."""
    return PydanticCustomError(_RULE, rule)


def whole(value: Any) -> Any:
    """A JSON number without a fraction (``7.0``) as the integer it is; anything else as it came.
    JSON Schema counts ``7.0`` as an integer, so the API does too; ``True`` stays a bool."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def validated(model: type[M], data: Any, *, unknown: str = "field") -> M:
    """``data`` checked by ``model``; the first problem as ``InvalidInput`` (``unknown``: "field" or
    "parameter", the word for a name the model does not know)."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        error = exc.errors(include_url=False)[0]
        raise InvalidInput(_field(error), _rule(error, model, unknown)) from None


def _field(error: ErrorDetails) -> str:
    return ".".join(str(part) for part in error["loc"]) or "body"


def _rule(error: ErrorDetails, model: type[BaseModel], unknown: str) -> str:
    kind = error["type"]
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        return f"unknown {unknown}; allowed: {', '.join(model.model_fields) or 'none'}"
    if kind == _RULE:
        return error["msg"]
    if kind in ("model_type", "model_attributes_type"):
        return "must be a JSON object"
    message = error["msg"]
    if kind.startswith("value_error"):
        message = message.removeprefix("Value error, ")
    return f"{message[:1].lower()}{message[1:]} (got {shown(error.get('input'))})"


def shown(value: Any) -> str:
    """``value`` quoted for a message, cut short when long."""
    text = repr(value)
    return text if len(text) <= _SHOWN else f"{text[: _SHOWN - 3]}..."
