"""Retrying a failed or cancelled job (a redrive): queue it again under its id, and send its message.

The record's transition is ``store.retry`` (conditional: two retries at once queue it once). A
retry asked to ``resend_unknown`` first lets the kind mark what may have been sent (an import's
``unknown`` rows); without it such rows are never sent again. If the message cannot be sent, the
job is failed again with the reason, as ``submit`` does, and can be retried once more.
"""

from __future__ import annotations

import logging

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.aws import queue
from chalicelib.aws.transient import is_transient
from chalicelib.errors import InvalidInput, Unavailable
from chalicelib.jobs import store
from chalicelib.jobs.model import Job
from chalicelib.jobs.registry import get_kind

log = logging.getLogger(__name__)


def retry(job_id: str, *, resend_unknown: bool = False) -> Job:
    """Queue the job again; ``resend_unknown``: also send again the rows whose outcome is unknown."""

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
    kind = get_kind(job.kind)
    try:
        queue.send_job(job.id, job.kind, int(job.seq), kind.lane)
    except (BotoCoreError, ClientError) as exc:
        log.exception("could not queue job %s again", job.id)
        store.give_up(job.id, int(job.seq), f"could not be queued again: {exc}")
        raise Unavailable("the job queue is unavailable; the job was not queued again, try again") from exc
    log.info("job %s queued again (token %s)", job.id, job.seq)
    return job
