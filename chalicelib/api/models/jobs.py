"""``/jobs``: any job's record, the listing of every job (its query, its page, its items), and
``POST /jobs/{job_id}/retry``'s body."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, StringConstraints, WithJsonSchema

from chalicelib.api.models.common import Answer, Request, StatusView, Time
from chalicelib.jobs import cursor
from chalicelib.jobs.listing import DEFAULT_LIMIT, MAX_LIMIT, JobFilter
from chalicelib.jobs.model import Status
from chalicelib.jobs.registry import KINDS
from chalicelib.validation import broken, shown

# A date, or a date and time (minutes, seconds, up to 6 decimals optional), with an optional zone.
_MOMENT = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?(Z|[+-][0-9]{2}:[0-9]{2})?)?"
)
# "metric, calculation, report or import.": the registry's kinds, in its order.
KIND_NAMES = f"{', '.join(list(KINDS)[:-1])} or {list(KINDS)[-1]}."


class PastRun(Answer):
    """One run of a job before it was retried."""

    attempts: int = Field(ge=0, description="Deliveries that had claimed the job when the run ended.")
    status: Status = Field(description="How the run ended: failed or cancelled.")
    error: str | None
    started_at: Time | None
    finished_at: Time | None
    duration: float | None
    dead_lettered_at: Time | None = Field(description="When its message reached the dead-letter queue, if it did.")


class JobRecord(StatusView):
    kind: str = Field(description=KIND_NAMES)
    params: dict[str, Any] = Field(description="The validated parameters the job runs with.")
    started_at: Time | None
    attempts: int = Field(ge=0, description="Deliveries that claimed the job.")
    error: str | None = Field(default=None, description="The last error, even while a retry is pending.")
    cancel_requested_at: Time | None = Field(
        description="When a cancel was asked for while the job ran: it stops at its next checkpoint."
    )
    dead_lettered_at: Time | None = Field(
        description="When its message reached the dead-letter queue and it failed for that (retry redrives it)."
    )
    history: list[PastRun] = Field(description="The runs before each retry, oldest first.")


def _known_kind(name: str) -> str:
    if name not in KINDS:
        raise broken(f"unknown kind {name!r}; known: {', '.join(KINDS)}")
    return name


def _iso_text(value: Any) -> Any:
    """Only ISO 8601 text: pydantic alone would also take ``0.5`` (seconds since the epoch)."""
    if not isinstance(value, str) or not _MOMENT.fullmatch(value):
        raise broken(
            f"must be an ISO 8601 time like 2026-11-22T10:00:00Z or a date like 2026-11-22 (got {shown(value)})"
        )
    return value


def _in_utc(moment: datetime) -> datetime:
    """``moment`` in UTC (job records store UTC times); without a zone, it is UTC."""
    try:
        return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)
    except (OverflowError, ValueError):  # 0001-01-01 with a positive offset is before year 1 in UTC
        raise broken(f"{moment.isoformat()} is out of range in UTC") from None


Kind = Annotated[str, AfterValidator(_known_kind), WithJsonSchema({"type": "string", "enum": list(KINDS)})]
Moment = Annotated[
    datetime,
    BeforeValidator(_iso_text),
    AfterValidator(_in_utc),
    WithJsonSchema({"type": "string", "pattern": f"^{_MOMENT.pattern}$"}),
]
Cursor = Annotated[str, StringConstraints(min_length=1, max_length=cursor.MAX_LENGTH, pattern="^[A-Za-z0-9_-]+$")]


class JobQuery(Request):
    kind: Kind | None = Field(default=None, description="Only jobs of this kind.")
    status: Status | None = Field(default=None, description="Only jobs in this status.")
    since: Moment | None = Field(
        default=None,
        description="Only jobs created at or after this time (ISO 8601; without a zone, UTC; to the millisecond).",
        examples=["2026-11-22T10:00:00Z"],
    )
    until: Moment | None = Field(
        default=None, description="Only jobs created before this time (ISO 8601, as `since`).", examples=["2026-11-23"]
    )
    limit: int = Field(default=DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="Jobs a page, at most.")
    cursor: Cursor | None = Field(
        default=None, description="The `next_cursor` of the previous page, with the same kind, status, since, until."
    )

    def job_filter(self) -> JobFilter:
        """The filters, times as the job records store them (to the millisecond)."""
        return JobFilter(self.kind, self.status, _iso(self.since), _iso(self.until))


def _iso(moment: datetime | None) -> str | None:
    """``clock.iso``'s form (UTC, milliseconds, ``Z``), the year always in four digits (``strftime``
    writes year 999 as ``999``, which would sort after ``2026``)."""
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class JobListItem(Answer):
    id: str
    kind: str = Field(description=KIND_NAMES)
    name: str
    status: Status
    progress: float = Field(ge=0, le=1, description="The fraction done, 0..1.")
    created_at: Time
    started_at: Time | None
    finished_at: Time | None
    duration: float | None = Field(description="Seconds the computation took; null until finished.")
    attempts: int = Field(ge=0, description="Deliveries that claimed the job.")


class JobList(Answer):
    """A page of jobs, newest first."""

    items: list[JobListItem] = Field(max_length=MAX_LIMIT)
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null on the last page. A page may hold fewer than "
        "`limit` jobs (with kind and status both given, even none) and still have one."
    )


class RetryRequest(Request):
    """``POST /jobs/{id}/retry``'s optional body."""

    resend_unknown: bool = Field(
        default=False,
        description="An import: also send again the rows whose outcome is unknown (the post may exist already).",
    )
