r"""The job state machine: every transition is one conditional write on the job record.

    queued --claim--> running --succeed--> succeeded
                         |  \--fail-----> failed
                         \--release--> queued   (transient error: the queue retries)
    running --pause--> queued                   (a slice is done: seq + 1, a message with the new seq)
    queued | running --give_up--> failed        (the message reached the dead-letter queue)
    queued | running --resent / abandon--> same / failed   (the sweeper: the message was lost)
    queued --cancel--> cancelled                 (at once; so is a running job whose lease is over)
    running --cancel--> running + cancel_requested_at --checkpoint--> cancelled
    failed | cancelled --retry--> queued         (same id, seq + 1, the run kept in ``history``)

A cancel of a job under a live lease only records the request: every write its worker makes at a
checkpoint (progress, the result, the end of a slice, a release) holds only while no cancel is
requested, and when it fails for one the worker ends the job ``cancelled`` (``cancelled``, fenced
by its attempt). A claim that finds a cancel request ends the job instead of running it.

A worker's writes are fenced by the attempt number it claimed, so a duplicate delivery, or a
worker whose lease ran out while another took over, can never store a second result or move a
finished job back. Messages are fenced by the job's ``seq`` (the token they carry): the claim and
``give_up`` hold only for the current one, so a duplicate of an older slice's message is stale.
While a job is open, every transition also sets when it is due to move on (``due_at``, in the
sweeper's sparse index); finishing removes it from the index.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pynamodb.exceptions import DoesNotExist, PutError, UpdateError
from pynamodb.expressions.condition import Condition

from chalicelib import clock
from chalicelib.config import get_settings
from chalicelib.errors import Conflict, NotFound
from chalicelib.ids import new_id
from chalicelib.jobs import results
from chalicelib.jobs.kind import JobKind, Params
from chalicelib.jobs.model import CANCELLED, FAILED, FINISHED, OPEN, QUEUED, RUNNING, SUCCEEDED, Job
from chalicelib.telemetry import metrics

log = logging.getLogger(__name__)
_CONDITION_FAILED = "ConditionalCheckFailedException"
MAX_KEY_BYTES = 2048  # DynamoDB's limit for a partition key


class ClaimOutcome(enum.Enum):
    CLAIMED = "claimed"  # this delivery runs the job
    FINISHED = "finished"  # already done: acknowledge the message, run nothing
    BUSY = "busy"  # another delivery is running it: retry the message later
    MISSING = "missing"  # no such job: acknowledge and drop
    STALE = "stale"  # the message's token is not the job's current one: acknowledge, run nothing


@dataclass(frozen=True)
class Claim:
    outcome: ClaimOutcome
    job: Job | None = None

    @property
    def attempt(self) -> int:
        assert self.job is not None
        return int(self.job.attempts)


def new_job(kind: JobKind, params: Params, name: str | None = None) -> Job:
    """Write a new ``queued`` job record (the id is fresh, so the write never overwrites)."""
    stamp = clock.now_iso()
    job_id = new_id()
    job = Job(
        id=job_id,
        kind=kind.name,
        name=name or kind.default_name(params),
        params=params,
        status=QUEUED,
        created_at=stamp,
        created_key=f"{stamp}#{job_id}",
        updated_at=stamp,
        expires_at=clock.expiry(get_settings().retention_days),
        open_key=OPEN,
        due_at=_due_iso(clock.parse_iso(stamp)),
    )
    try:
        job.save(condition=Job.id.does_not_exist())
    except PutError as exc:
        # The id is fresh, so a failed condition means this very write landed before: its answer
        # was lost and botocore sent it again. It is ours if it carries our created_key.
        if exc.cause_response_code != _CONDITION_FAILED or get_job(job_id).created_key != job.created_key:
            raise
    return job


def _due_iso(moment: datetime) -> str:
    """When a job that should move on at ``moment`` is overdue: its message must have been lost."""
    return clock.iso(moment + timedelta(seconds=get_settings().sweep_grace_seconds))


def _open_until(moment: datetime) -> list[Any]:
    """The actions that keep a job in the sweeper's index, due a grace period after ``moment``."""
    return [Job.open_key.set(OPEN), Job.due_at.set(_due_iso(moment))]


def _closed() -> list[Any]:
    """The actions of finishing: no lease, out of the sweeper's index."""
    return [Job.lease_until.remove(), Job.open_key.remove(), Job.due_at.remove()]


def _failed(error: str) -> list[Any]:
    """The actions of failing with ``error``, whoever fails the job (its worker, the dead-letter
    handler, the sweeper)."""
    return [Job.status.set(FAILED), Job.error.set(error), Job.finished_at.set(clock.now_iso()), *_closed()]


def _cancelled_now(stamp: str) -> list[Any]:
    """The actions of ending a job ``cancelled`` (at ``stamp``)."""
    return [Job.status.set(CANCELLED), Job.finished_at.set(stamp), *_closed()]


def _no_cancel_requested() -> Condition:
    condition: Condition = Job.cancel_requested_at.does_not_exist()
    return condition


def _unattended(now: str) -> Condition:
    """No worker holds the job: queued, or running under a lease that is over (its worker died)."""
    condition: Condition = (Job.status == QUEUED) | ((Job.status == RUNNING) & (Job.lease_until < now))
    return condition


def get_job(job_id: str) -> Job:
    """The job of this id. An id DynamoDB cannot take as a key (empty, over 2,048 bytes, not UTF-8)
    is not looked up: DynamoDB would answer with an error, not with "no such item". A record past
    its time to live is gone too: DynamoDB deletes it lazily (up to days later), while S3's
    lifecycle may already have deleted its result, so reading it could only half work."""
    if not _storable(job_id):
        raise NotFound(f"job_id: no job with id {job_id[:100]!r}")
    try:
        job = Job.get(job_id, consistent_read=True)
    except DoesNotExist:
        raise NotFound(f"job_id: no job with id {job_id!r}") from None
    if job.expires_at is not None and job.expires_at <= clock.now().timestamp():
        raise NotFound(f"job_id: no job with id {job_id!r} (it expired)")
    return job


def _storable(key: str) -> bool:
    try:
        return 0 < len(key.encode()) <= MAX_KEY_BYTES
    except UnicodeEncodeError:
        return False


def get_job_of_kind(job_id: str, kind: str) -> Job:
    """A job of ``kind``: any other id, even another kind's, is "no such {kind}" (404)."""
    try:
        job = get_job(job_id)
    except NotFound:
        job = None
    if job is None or job.kind != kind:
        raise NotFound(f"id: no {kind} with id {job_id[:100]!r}")
    return job


def _conditional_update(job: Job, actions: list[Any], condition: Condition) -> bool:
    """Apply ``actions`` if ``condition`` holds; False (and no change) if it does not."""
    try:
        job.update(actions=[*actions, Job.updated_at.set(clock.now_iso())], condition=condition)
    except UpdateError as exc:
        if exc.cause_response_code == _CONDITION_FAILED:
            return False
        raise
    return True


def _finished(job: Job, stored: bool, duration: float | None = None) -> bool:
    """``stored``; when a write just finished the job, its figures (an EMF line) first. The
    record's fields are the write's answer (``ALL_NEW``), so even a job known only by id has its kind."""
    if stored and job.status in FINISHED:
        log.info("job %s: %s", job.id, job.status)
        metrics.job_finished(job.kind, job.status, duration, job.id, int(job.attempts or 0))
    return stored


def _current(seq: int) -> Condition:
    """The job's token is ``seq`` (records written before tokens existed have none: token 0)."""
    condition: Condition = Job.seq == seq
    return (condition | Job.seq.does_not_exist()) if seq == 0 else condition


def claim(job_id: str, seq: int, lease_seconds: float) -> Claim:
    """Move a queued job (or a running one whose lease expired) to running, for this delivery of
    its current message (token ``seq``)."""
    moment = clock.now()
    lease_end = moment + timedelta(seconds=lease_seconds)
    job = Job(id=job_id)
    claimable = _unattended(clock.iso(moment))
    actions = [
        Job.status.set(RUNNING),
        Job.attempts.add(1),
        Job.started_at.set(clock.iso(moment)),
        Job.lease_until.set(clock.iso(lease_end)),
        *_open_until(lease_end),
    ]
    if _conditional_update(job, actions, Job.id.exists() & _current(seq) & claimable & _no_cancel_requested()):
        return Claim(ClaimOutcome.CLAIMED, job)
    try:
        current = get_job(job_id)
    except NotFound:
        return Claim(ClaimOutcome.MISSING)
    if current.status in FINISHED:
        return Claim(ClaimOutcome.FINISHED, current)
    if int(current.seq or 0) != seq:
        return Claim(ClaimOutcome.STALE, current)
    if current.cancel_requested_at is not None and _end_requested_cancel(job_id, seq):
        return Claim(ClaimOutcome.FINISHED, get_job(job_id))  # its worker died after the request
    return Claim(ClaimOutcome.BUSY, current)


def _end_requested_cancel(job_id: str, seq: int) -> bool:
    """End ``cancelled`` a job whose cancel was requested and that no worker holds any more."""
    now = clock.now_iso()
    condition = Job.id.exists() & _current(seq) & _unattended(now) & Job.cancel_requested_at.exists()
    job = Job(id=job_id)
    return _finished(job, _conditional_update(job, _cancelled_now(now), condition))


def _mine(job: Job, attempt: int) -> Condition:
    """Still running under this attempt: the fence on every write a worker makes."""
    condition: Condition = (Job.status == RUNNING) & (Job.attempts == attempt)
    return condition


def set_progress(job: Job, attempt: int, fraction: float) -> bool:
    """Store the fraction done: a checkpoint. False if the job is no longer ours or a cancel was
    requested (``cancel_requested`` tells which)."""
    return _conditional_update(
        job, [Job.progress.set(round(fraction, 4))], _mine(job, attempt) & _no_cancel_requested()
    )


def cancel_requested(job_id: str) -> bool:
    """Whether someone asked to cancel the job (a consistent read, after a checkpoint's write failed)."""
    try:
        return get_job(job_id).cancel_requested_at is not None
    except NotFound:
        return False


def cancelled(job: Job, attempt: int, duration: float | None = None) -> bool:
    """End ``cancelled`` a job this worker holds and whose cancel was requested (at a checkpoint)."""
    actions = _cancelled_now(clock.now_iso())
    if duration is not None:
        actions.append(Job.duration.set(round(duration, 6)))
    return _finished(
        job, _conditional_update(job, actions, _mine(job, attempt) & Job.cancel_requested_at.exists()), duration
    )


def succeed(job: Job, attempt: int, result: Any, duration: float) -> bool:
    """Store the result (in S3 when too large for the item); False if the job is no longer ours or a
    cancel was requested (then no result is recorded: ``cancelled`` ends it)."""
    stored = results.store(job.id, result)
    actions = [
        Job.status.set(SUCCEEDED),
        Job.progress.set(1),
        Job.duration.set(round(duration, 6)),
        Job.finished_at.set(clock.now_iso()),
        *_closed(),
    ]
    actions.append(Job.result_key.set(stored.key) if stored.key else Job.result.set(stored.inline))
    return _finished(job, _conditional_update(job, actions, _mine(job, attempt) & _no_cancel_requested()), duration)


def fail(job: Job, attempt: int, error: str, duration: float | None = None) -> bool:
    actions = _failed(error)
    if duration is not None:
        actions.append(Job.duration.set(round(duration, 6)))
    return _finished(job, _conditional_update(job, actions, _mine(job, attempt)), duration)


def release(job: Job, attempt: int, error: str) -> bool:
    """Back to queued after a transient error, so the next delivery can claim it (not if a cancel
    was requested: False, and the worker ends it ``cancelled``)."""
    actions = [Job.status.set(QUEUED), Job.error.set(error), Job.lease_until.remove(), *_open_until(clock.now())]
    return _conditional_update(job, actions, _mine(job, attempt) & _no_cancel_requested())


def pause(job: Job, attempt: int, delay_seconds: int = 0) -> bool:
    """Back to queued between slices of a long job (no error: it is not a failure), with a new
    token (``job.seq`` holds it after the write) for the message of the next slice, which is
    delivered ``delay_seconds`` from now. False if no longer ours or a cancel was requested."""
    actions = [
        Job.status.set(QUEUED),
        Job.lease_until.remove(),
        Job.seq.add(1),
        Job.resends.set(0),
        *_open_until(clock.now() + timedelta(seconds=delay_seconds)),
    ]
    return _conditional_update(job, actions, _mine(job, attempt) & _no_cancel_requested())


def give_up(job_id: str, seq: int, reason: str, *, dead_letter: bool = False) -> bool:
    """Fail a job whose current message (token ``seq``) was dead-lettered (``dead_letter``: the
    record says when, and a retry redrives it) or could not be sent. Left as they are: finished
    jobs, jobs whose token moved on (the message was stale), and jobs running under a live lease
    (their worker holds a message of its own)."""
    job = Job(id=job_id)
    now = clock.now_iso()
    actions = [*_failed(reason), *([Job.dead_lettered_at.set(now)] if dead_letter else [])]
    return _finished(job, _conditional_update(job, actions, Job.id.exists() & _current(seq) & _unattended(now)))


def overdue(moment: datetime) -> Iterator[str]:
    """The ids of open jobs due before ``moment``, oldest first: one range query on the sparse
    index (eventually consistent: read each job again before acting on it)."""
    for entry in Job.open_by_due.query(OPEN, Job.due_at < clock.iso(moment)):
        yield entry.id


def _unchanged(job: Job) -> Condition:
    """Nobody moved the job since it was read: same status, attempt, token and due time."""
    condition: Condition = (
        (Job.status == job.status)
        & (Job.attempts == job.attempts)
        & _current(int(job.seq or 0))
        & (Job.due_at == job.due_at)
    )
    return condition


def resent(job: Job) -> bool:
    """Count a re-send of the job's message (due again a grace period from now); False if the job
    moved on since it was read (then no message must be sent)."""
    return _conditional_update(job, [Job.resends.add(1), *_open_until(clock.now())], _unchanged(job))


def abandon(job: Job, reason: str) -> bool:
    """Fail an overdue job whose message was sent again too often; False if it moved on."""
    return _finished(job, _conditional_update(job, _failed(reason), _unchanged(job)))


def end_requested_cancel(job: Job) -> bool:
    """The sweeper's: end ``cancelled`` an overdue job whose cancel was requested and whose worker
    died (its lease is over); False if it moved on since it was read."""
    ended = _conditional_update(
        job, _cancelled_now(clock.now_iso()), _unchanged(job) & Job.cancel_requested_at.exists()
    )
    return _finished(job, ended)


CANCEL_TRIES = 3


def cancel(job_id: str) -> Job:
    """Cancel a job: one no worker holds (queued, or running under a lease that is over) ends
    ``cancelled`` at once; one under a live lease gets ``cancel_requested_at`` and its worker ends it
    at its next checkpoint. A finished job is a ``Conflict``. Asking twice changes nothing more."""
    for _ in range(CANCEL_TRIES):  # each failed condition means the job moved on: read it again
        job = get_job(job_id)
        if job.status in FINISHED:
            raise Conflict(f"job_id: job {job_id} is {job.status}; only a queued or running job can be cancelled")
        if job.cancel_requested_at is not None and job.lease_until and job.lease_until >= clock.now_iso():
            return job  # already requested, and its worker still holds it
        now = clock.now_iso()
        ended = [*_cancelled_now(now), Job.cancel_requested_at.set(now)]
        if _finished(job, _conditional_update(job, ended, Job.id.exists() & _unattended(now))):
            return job
        held = (Job.status == RUNNING) & (Job.lease_until >= now) & _no_cancel_requested()
        if _conditional_update(job, [Job.cancel_requested_at.set(now)], held):
            return job
    raise Conflict(f"job_id: job {job_id} kept changing while it was being cancelled; try again")


def retry(job_id: str, prepare: Callable[[Job], None] | None = None) -> Job:
    """Queue a failed or cancelled job again under its id (a redrive): a new token (``seq`` + 1, so
    every older message stays stale), the run that ended kept in ``history``, its error, end and
    cancel request cleared, the time to live renewed. ``prepare`` runs first (an import marks its
    unknown rows to be sent again). Conditional on the job being as read: of two retries at once,
    one queues it and the other is a ``Conflict``. The caller sends the message (token ``job.seq``)."""
    job = get_job(job_id)
    if job.status not in (FAILED, CANCELLED):
        raise Conflict(f"job_id: job {job_id} is {job.status}; only a failed or cancelled job can be retried")
    if prepare is not None:
        prepare(job)
    run = {
        "attempts": int(job.attempts or 0),
        "status": job.status,
        "error": job.error,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
        "duration": None if job.duration is None else float(job.duration),
        "dead_lettered_at": job.dead_lettered_at,
    }
    now = clock.now()
    actions = [
        Job.status.set(QUEUED),
        Job.seq.add(1),
        Job.resends.set(0),
        Job.progress.set(0),
        Job.history.set([*(job.history or []), run]),
        Job.expires_at.set(clock.expiry(get_settings().retention_days)),
        Job.error.remove(),
        Job.started_at.remove(),
        Job.finished_at.remove(),
        Job.duration.remove(),
        Job.cancel_requested_at.remove(),
        Job.dead_lettered_at.remove(),
        Job.lease_until.remove(),
        *_open_until(now),
    ]
    unchanged = (Job.status == job.status) & (Job.attempts == job.attempts) & _current(int(job.seq or 0))
    if not _conditional_update(job, actions, Job.id.exists() & unchanged):
        raise Conflict(f"job_id: job {job_id} changed while it was being retried (retried twice at once?)")
    return job


def result_of(job: Job) -> Any:
    """The job's result, wherever it is stored; None until it succeeded."""
    if job.status != SUCCEEDED:
        return None
    return results.load(job.result_key) if job.result_key else job.result
