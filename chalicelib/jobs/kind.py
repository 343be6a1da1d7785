"""What a kind of job is: a name, its parameters' model, and a pure function that does the work."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, StringConstraints

from chalicelib.config import JOBS_LANE
from chalicelib.validation import validated

Params = dict[str, Any]
# Called by a running job with the fraction done (0..1); the worker stores it on the record.
Progress = Callable[[float], None]
MAX_FILENAME = 200
Filename = Annotated[str, StringConstraints(min_length=1, max_length=MAX_FILENAME)]


class KindParams(BaseModel):
    """A kind's parameters: a name the model does not know is an error, never ignored. The API's
    body models extend them, so a request is checked by the rules the job runs with."""

    model_config = ConfigDict(extra="forbid")


class NoParams(KindParams):
    """For kinds that take no parameters: anything given is an error."""


@dataclass(frozen=True)
class JobKind:
    """A registered kind. ``run`` takes validated params and returns a JSON-able result. ``lane``
    names the queue its messages go to (``chalicelib.config.LANES``), and so the handler that runs it."""

    name: str
    run: Callable[[Params, Progress], Any]
    params: type[KindParams] = NoParams
    describe: Callable[[Params], str] = lambda params: ""
    lane: str = JOBS_LANE
    # For a retry asked to send again what may have been sent (``resend_unknown``): marks it and
    # says how many; None for kinds that have no such outcome (only imports do).
    resend_unknown: Callable[[Params], int] | None = None

    def parse_params(self, raw: Mapping[str, Any]) -> Params:
        """``raw`` checked by the kind's model, as the job stores it (JSON: dates as ISO text);
        every error names its field and rule (``InvalidInput``)."""
        return validated(self.params, raw).model_dump(mode="json")

    def default_name(self, params: Params) -> str:
        return self.describe(params) or self.name
