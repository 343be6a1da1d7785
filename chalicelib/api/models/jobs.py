"""``GET /jobs/{job_id}``: any job's record; ``POST /jobs/{job_id}/retry``'s body."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from chalicelib.api.models.common import Answer, Request, Status, StatusView


class PastRun(Answer):
    """One run of a job before it was retried."""

    attempts: int = Field(ge=0, description="Deliveries that had claimed the job when the run ended.")
    status: Status = Field(description="How the run ended: failed or cancelled.")
    error: str | None
    started_at: datetime | None
    finished_at: datetime | None
    duration: float | None
    dead_lettered_at: datetime | None = Field(description="When its message reached the dead-letter queue, if it did.")


class JobRecord(StatusView):
    kind: str = Field(description="metric, calculation, report or import.")
    params: dict[str, Any] = Field(description="The validated parameters the job runs with.")
    started_at: datetime | None
    attempts: int = Field(ge=0, description="Deliveries that claimed the job.")
    error: str | None = Field(default=None, description="The last error, even while a retry is pending.")
    cancel_requested_at: datetime | None = Field(
        description="When a cancel was asked for while the job ran: it stops at its next checkpoint."
    )
    dead_lettered_at: datetime | None = Field(
        description="When its message reached the dead-letter queue and it failed for that (retry redrives it)."
    )
    history: list[PastRun] = Field(description="The runs before each retry, oldest first.")


class RetryRequest(Request):
    """``POST /jobs/{id}/retry``'s optional body."""

    resend_unknown: bool = Field(
        default=False,
        description="An import: also send again the rows whose outcome is unknown (the post may exist already).",
    )
