"""``/jobs/{id}``: any job's record, whatever its kind; cancel it; retry it (a redrive)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chalice.app import Blueprint, Response

from chalicelib.api.contract import accepted, operation
from chalicelib.api.errors import api_errors
from chalicelib.api.models.common import Accepted
from chalicelib.api.models.jobs import JobRecord, RetryRequest
from chalicelib.aws.transient import is_transient
from chalicelib.errors import Unavailable
from chalicelib.jobs import redrive, store
from chalicelib.jobs.model import Job

bp = Blueprint(__name__)


@bp.route("/jobs/{job_id}", methods=["GET"])
@api_errors
@operation(bp, "Any job's record, whatever its kind", {200: JobRecord})
def get_job(job_id: str) -> dict[str, Any]:
    return store.get_job(job_id).to_public()


@bp.route("/jobs/{job_id}/cancel", methods=["POST"])
@api_errors
@operation(
    bp,
    "Cancel a job: a queued one at once, a running one at its next checkpoint",
    {202: Accepted},
    errors=(409, 503),
    headers={202: {"Location": "The job: /jobs/{id}"}},
)
def cancel_job(job_id: str) -> Response:
    """202 with the status now: ``cancelled``, or ``running`` until the job's next checkpoint."""
    return accepted(_unless_throttled(lambda: store.cancel(job_id)), f"/jobs/{job_id}")


@bp.route("/jobs/{job_id}/retry", methods=["POST"])
@api_errors
@operation(
    bp,
    "Run a failed or cancelled job again under its id (an import resumes)",
    {202: Accepted},
    body=RetryRequest,
    body_required=False,
    errors=(409, 503),
    headers={202: {"Location": "The job: /jobs/{id}"}},
)
def retry_job(job_id: str, body: RetryRequest) -> Response:
    """202 ``queued``: rows an import recorded ``ok`` are never sent again; ``unknown`` ones only
    with ``resend_unknown``."""
    job = _unless_throttled(lambda: redrive.retry(job_id, resend_unknown=body.resend_unknown))
    return accepted(job, f"/jobs/{job_id}")


def _unless_throttled(change: Callable[[], Job]) -> Job:
    """Make the change; a write DynamoDB still throttles after botocore's retries is a 503 (the
    job is as it was, or as the change left it: each of its writes is conditional), not a 500."""
    try:
        return change()
    except Exception as exc:
        if not is_transient(exc):
            raise
        raise Unavailable("the jobs table is busy; the job may be unchanged, try again") from exc
