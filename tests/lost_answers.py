"""A write that lands but whose answer is lost: botocore then sends the very same request again.

This is what the chaos proxy's "500 after" and "reset after" faults do to a conditional write:
the first request is applied, its answer never reaches the client, and the retry finds its own
write there and fails the condition. The tests reproduce it in-process, exactly once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from botocore.client import BaseClient


def lose_answer_once(monkeypatch: pytest.MonkeyPatch, operation: str, matches: Callable[[Any], bool]) -> list[Any]:
    """The next ``operation`` call whose parameters ``matches`` is made twice, as botocore's retry
    after a lost answer would; the caller sees the second answer. Returns the requests it doubled."""
    original = BaseClient._make_api_call  # type: ignore[attr-defined]
    doubled: list[Any] = []

    def call(self: BaseClient, name: str, params: Any) -> Any:
        if name == operation and not doubled and matches(params):
            doubled.append(params)
            original(self, name, params)  # applied; its answer is lost on the way back
        return original(self, name, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", call)
    return doubled
