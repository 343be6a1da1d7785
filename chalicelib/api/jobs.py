"""``/jobs``: every job, newest first (``GET /jobs``), any job's record (``GET /jobs/{id}``); cancel
it; retry it (a redrive)."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint

from chalicelib.api.contract import Answered, accepted, operation
from chalicelib.api.models.common import Accepted
from chalicelib.api.models.jobs import JobList, JobQuery, JobRecord, RetryRequest
from chalicelib.jobs import listing, redrive, store

bp = Blueprint(__name__)


@bp.route("/jobs/{job_id}", methods=["GET"])
@operation(bp, "Any job's record, whatever its kind", {200: JobRecord})
def get_job(job_id: str) -> JobRecord:
    # Its status view, kind and parameters, start, attempts, the last error even while a retry is
    # pending, a pending cancel request, whether its message was dead-lettered, the runs before each retry.
    job = store.get_job(job_id)
    record: dict[str, Any] = {
        "kind": job.kind,
        "params": job.params,
        "started_at": job.started_at,
        "attempts": job.attempts,
        "cancel_requested_at": job.cancel_requested_at,
        "dead_lettered_at": job.dead_lettered_at,
        "history": list(job.history or []),
    }
    if job.error is not None:
        record["error"] = job.error
    return JobRecord.of(job, **record)


@bp.route("/jobs", methods=["GET"])
@operation(bp, "Every job, newest first: filters and cursor paging", {200: JobList}, query=JobQuery)
def list_jobs(query: JobQuery) -> JobList:
    """Every kind, newest first (by ``created_at``); ``kind``, ``status``, ``since`` (inclusive) and
    ``until`` (exclusive) filter; ``limit`` 1..200 (50); ``cursor``: the previous page's
    ``next_cursor``, null on the last page. Served from an index, never a Scan."""
    found = listing.list_all(query.job_filter(), limit=query.limit, after=query.cursor)
    return JobList.model_validate({"items": found.items, "next_cursor": found.next_cursor})


@bp.route("/jobs/{job_id}/cancel", methods=["POST"])
@operation(
    bp,
    "Cancel a job: a queued one at once, a running one at its next checkpoint",
    {202: Accepted},
    errors=(409, 503),
    headers={202: {"Location": "The job: /jobs/{id}"}},
)
def cancel_job(job_id: str) -> Answered:
    """202 with the status now: ``cancelled``, or ``running`` until the job's next checkpoint."""
    return accepted(redrive.cancel(job_id), f"/jobs/{job_id}")


@bp.route("/jobs/{job_id}/retry", methods=["POST"])
@operation(
    bp,
    "Run a failed or cancelled job again under its id (an import resumes)",
    {202: Accepted},
    body=RetryRequest,
    body_required=False,
    errors=(409, 503),
    headers={202: {"Location": "The job: /jobs/{id}"}},
)
def retry_job(job_id: str, body: RetryRequest) -> Answered:
    """202 ``queued``: rows an import recorded ``ok`` are never sent again; ``unknown`` ones only
    with ``resend_unknown``."""
    job = redrive.retry(job_id, resend_unknown=body.resend_unknown)
    return accepted(job, f"/jobs/{job_id}")
