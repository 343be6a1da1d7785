"""``POST /launch`` and ``GET /get_result``: the metric job."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from chalicelib.api.models.common import Answer, Name, Request
from chalicelib.jobs.model import Status


class LaunchRequest(Request):
    """An optional body: the metric takes no parameters."""

    name: Name | None = Field(default=None, description="A name for the job.")


class Launched(Answer):
    job_id: str
    status: Status


class ResultQuery(Request):
    job_id: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)] = Field(
        description="From POST /launch.", examples=["3f2c8e9a4b7d4e1f9a0b6c5d2e8f7a1b"]
    )


class MetricResult(Answer):
    job_id: str
    status: Status
    result: Annotated[str, StringConstraints(pattern="^[0-9]+$")] | None = Field(
        description="The exact integer as a string of digits; null until succeeded."
    )
    error: str | None = Field(default=None, description="Why it failed (only when failed).")
