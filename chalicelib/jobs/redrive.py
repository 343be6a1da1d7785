"""Steering a job from the API: cancel it, or retry a failed or cancelled one (a redrive).

Cancel is ``store.cancel``. A retry queues the job again under its id and sends its message; the
record's transition is ``store.retry`` (conditional: two retries at once queue it once). A
retry asked to ``resend_unknown`` first lets the kind mark what may have been sent (an import's
``unknown`` rows); without it such rows are never sent again. If the message cannot be sent, the
job is failed again with the reason, as ``submit`` does, and can be retried once more. A write
DynamoDB still throttles after botocore's retries is ``Unavailable`` (a 503), not a 500: each
write is conditional, so the job is as it was or as the last write left it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from chalicelib.aws.transient import is_transient
from chalicelib.errors import InvalidInput, Unavailable
from chalicelib.jobs import store
from chalicelib.jobs.model import Job
from chalicelib.jobs.registry import get_kind
from chalicelib.jobs.submit import send_or_give_up

log = logging.getLogger(__name__)
T = TypeVar("T")


def cancel(job_id: str) -> Job:
    """Cancel the job (``store.cancel``): at once if no worker holds it, else at its next checkpoint."""
    return _unless_throttled(lambda: store.cancel(job_id))


def retry(job_id: str, *, resend_unknown: bool = False) -> Job:
    """Queue the job again; ``resend_unknown``: also send again the rows whose outcome is unknown."""
    return _unless_throttled(lambda: _retry(job_id, resend_unknown))


def _retry(job_id: str, resend_unknown: bool) -> Job:
    """The record's transition (after marking unknown rows, if asked), then the message."""

    def prepare(job: Job) -> None:
        if not resend_unknown:
            return
        mark = get_kind(job.kind).resend_unknown
        if mark is None:
            raise InvalidInput("resend_unknown", f"only an import has rows whose outcome is unknown, not a {job.kind}")
        try:
            marked = mark(dict(job.params or {}))
        except Exception as exc:
            if not is_transient(exc):
                raise
            # Each row is marked with its counters in one transaction: a later retry marks the rest.
            raise Unavailable("the rows of unknown outcome could not all be marked now; try again") from exc
        log.info("job %s: %s rows of unknown outcome marked to be sent again", job.id, marked)

    job = store.retry(job_id, prepare)
    send_or_give_up(job, get_kind(job.kind).lane, again=True)
    log.info("job %s queued again (token %s)", job.id, job.seq)
    return job


def _unless_throttled(change: Callable[[], T]) -> T:
    """Make the change; a transient AWS error that outlasted botocore's retries is a 503."""
    try:
        return change()
    except Exception as exc:
        if not is_transient(exc):
            raise
        raise Unavailable("the jobs table is busy; the job may be unchanged, try again") from exc
