"""The sweeper: what the scheduled Lambda does with jobs whose message was lost.

A job is open (queued or running) until it finishes, and every transition sets when it is due to
move on (``due_at``): a grace period after it was queued, released, or its slice's delay ended,
or after its lease ended. A job still open past that has no message left that will run it (the
API died before sending it, or SQS let it expire). The sweeper finds such jobs on a sparse index
(no Scan), sends their message again with the current token (the conditional claim makes a
needless one harmless), and fails a job with a reason once its message was sent again
``sweep_max_resends`` times for the same slice. A running job whose cancel was requested and
whose worker died (its lease is over) is ended ``cancelled`` instead.

A queued job's message may also just be waiting behind a backlog (all workers busy for longer
than the grace period): while its lane's queue holds messages no worker has received yet, the
lane's queued jobs are left for a later run, so a long backlog never fails a healthy job. Running jobs whose lease
is over are swept regardless.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from pynamodb.exceptions import DoesNotExist

from chalicelib import clock
from chalicelib.aws import queue
from chalicelib.config import LANES, get_settings
from chalicelib.jobs import invocation, store
from chalicelib.jobs.model import QUEUED, RUNNING, Job
from chalicelib.jobs.registry import lane_of
from chalicelib.telemetry import logs

log = logging.getLogger(__name__)
# Stop taking on jobs this close to the invocation's end; the next run goes on from there.
MARGIN_SECONDS = 2.0


@dataclass
class Swept:
    """What one run did (logged, and returned as the scheduled handler's answer)."""

    resent: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    cancelled: list[str] = field(default_factory=list)
    postponed: int = 0  # queued jobs left alone while their lane's queue has a backlog
    errors: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "resent": self.resent,
            "failed": self.failed,
            "cancelled": self.cancelled,
            "postponed": self.postponed,
            "errors": self.errors,
        }


def handle_schedule(context: Any = None) -> dict[str, Any]:
    """The scheduled run, within the invocation's time (``context``: Lambda's; None: no deadline)."""
    with invocation.running(None if context is None else int(context.get_remaining_time_in_millis())):
        swept = sweep(clock.now())
    if swept.resent or swept.failed or swept.cancelled or swept.postponed or swept.errors:
        log.warning("sweep: %s", swept.as_dict())
    return swept.as_dict()


def sweep(moment: datetime) -> Swept:
    """Send again, or fail, every open job overdue at ``moment``. One job's trouble (a throttled
    write) is logged and left for the next run; it does not stop the others."""
    swept = Swept()
    backlogs = {lane: _backlog(lane) for lane in LANES}
    for job_id in store.overdue(moment):
        if invocation.remaining_seconds() < MARGIN_SECONDS:
            break
        with logs.scope(job_id=job_id):
            try:
                _sweep_one(job_id, moment, swept, backlogs)
            except Exception:
                log.exception("sweep: job %s left for the next run", job_id)
                swept.errors += 1
    return swept


def _backlog(lane: str) -> bool:
    """Whether a lane's queue holds messages no worker has received yet (if it cannot tell: yes)."""
    try:
        return queue.waiting(lane) > 0
    except (BotoCoreError, ClientError):
        log.warning("sweep: queue %s: length unknown; its queued jobs are left for the next run", lane, exc_info=True)
        return True


def _sweep_one(job_id: str, moment: datetime, swept: Swept, backlogs: dict[str, bool]) -> None:
    try:
        job = Job.get(job_id, consistent_read=True)
    except DoesNotExist:
        return
    now = clock.iso(moment)
    if job.status not in (QUEUED, RUNNING) or not job.due_at or job.due_at >= now:
        return  # the index lags behind the table: the job moved on
    if job.status == RUNNING and job.lease_until and job.lease_until >= now:
        return  # a worker holds it
    if job.cancel_requested_at is not None:  # its worker died after a cancel was asked for
        if store.end_requested_cancel(job):
            log.warning("job %s: cancel requested and its worker gone: cancelled", job.id)
            swept.cancelled.append(job.id)
        return
    lane = lane_of(job.kind)
    if job.status == QUEUED and backlogs[lane]:
        swept.postponed += 1  # its message may be waiting in its queue
        return
    resends = int(job.resends or 0)
    if resends >= get_settings().sweep_max_resends:
        reason = f"gave up: its message was lost; sent again {resends} times and no worker finished it"
        if store.abandon(job, reason):
            log.error("job %s: %s", job.id, reason)
            swept.failed.append(job.id)
        return
    if store.resent(job):
        queue.send_job(job.id, job.kind, int(job.seq or 0), lane)
        log.warning("job %s: %s past due; its message (token %s) sent again", job.id, job.status, job.seq)
        swept.resent.append(job.id)
