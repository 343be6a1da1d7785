"""What a kind of job is: a name, a parameter check, and a pure function that does the work."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from chalicelib.config import JOBS_LANE
from chalicelib.errors import InvalidInput

Params = dict[str, Any]
# Called by a running job with the fraction done (0..1); the worker stores it on the record.
Progress = Callable[[float], None]


def no_params(raw: Mapping[str, Any]) -> Params:
    """For kinds that take no parameters: anything given is an error, not silently ignored."""
    if raw:
        raise InvalidInput(sorted(raw)[0], "unknown field: this job takes no parameters")
    return {}


@dataclass(frozen=True)
class JobKind:
    """A registered kind. ``run`` takes validated params and returns a JSON-able result. ``lane``
    names the queue its messages go to (``chalicelib.config.LANES``), and so the handler that runs it."""

    name: str
    run: Callable[[Params, Progress], Any]
    parse_params: Callable[[Mapping[str, Any]], Params] = no_params
    describe: Callable[[Params], str] = lambda params: ""
    lane: str = JOBS_LANE
    # For a retry asked to send again what may have been sent (``resend_unknown``): marks it and
    # says how many; None for kinds that have no such outcome (only imports do).
    resend_unknown: Callable[[Params], int] | None = None

    def default_name(self, params: Params) -> str:
        return self.describe(params) or self.name
