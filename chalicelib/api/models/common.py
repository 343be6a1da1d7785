"""Shapes every resource shares: the error answer, a job's status, names, times, the status view."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Self

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, StringConstraints, WithJsonSchema

from chalicelib import clock
from chalicelib.jobs.model import FAILED, Job, Status
from chalicelib.jobs.submit import MAX_NAME_LENGTH

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_NAME_LENGTH)]
# A time in an answer, as the records store it and the API has always shown it: UTC, milliseconds,
# ``Z`` (``clock.iso``), where pydantic would write microseconds.
Time = Annotated[
    datetime, PlainSerializer(clock.iso, when_used="json"), WithJsonSchema({"type": "string", "format": "date-time"})
]


class Request(BaseModel):
    """A query string or JSON body: a name the model does not know is an error, never ignored."""

    model_config = ConfigDict(extra="forbid")


class Answer(BaseModel):
    """A JSON answer: its schema lists every field, so a field not described here is a bug."""

    model_config = ConfigDict(extra="forbid")


class ErrorAnswer(Answer):
    """Every 4xx and 5xx: ``Message`` names the parameter or field and the rule it broke."""

    Code: str = Field(description="BadRequestError, NotFoundError, PayloadTooLarge, UnsupportedMediaType, ...")
    Message: str = Field(examples=["lag: input should be greater than or equal to 1 (got 0)"])


class Forbidden(Answer):
    """A 403: no API key, or not the stage's. API Gateway's own answer, so not an ``ErrorAnswer``."""

    message: str = Field(examples=["Forbidden"])


class Accepted(Answer):
    """A job was queued."""

    id: str = Field(description="The job's id.")
    status: Status


class StatusView(Answer):
    """What a kind's own status endpoint shows of its job."""

    id: str
    name: str
    status: Status
    progress: float = Field(ge=0, le=1, description="The fraction done, 0..1.")
    created_at: Time
    finished_at: Time | None
    duration: float | None = Field(description="Seconds the computation took; null until finished.")
    error: str | None = Field(default=None, description="Why it failed (only when failed).")

    @classmethod
    def of(cls, job: Job, **more: Any) -> Self:
        """The answer for ``job``: its status view, and ``more`` (the fields of the kind's answer)."""
        return cls.model_validate({**status_view(job), **more})


def status_view(job: Job) -> dict[str, Any]:
    """What every answer about one job shows of it (``StatusView``'s fields); ``error`` only when failed."""
    view: dict[str, Any] = {
        "id": job.id,
        "name": job.name,
        "status": job.status,
        "progress": job.progress,
        "created_at": job.created_at,
        "finished_at": job.finished_at,
        "duration": job.duration,
    }
    if job.status == FAILED and job.error:
        view["error"] = job.error
    return view
