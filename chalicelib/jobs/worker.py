"""The worker: what the SQS-triggered Lambdas do with each message of a job queue (one per lane).

Each message names a job and its token (``{"job_id", "kind", "seq"}``). The worker claims the job
(a conditional write, for the current token only), runs its kind's function within the
invocation's time, and stores the outcome. It answers with the messages to deliver again
(``batchItemFailures``): only transient trouble is retried (``RetryableJobError``, or an AWS
error that botocore counts as throttling, a 5xx or a lost connection); a job whose function
raised anything else is failed for good and its message acknowledged. Messages that keep failing
go to the dead-letter queue, whose handler fails their jobs if no worker holds them (marked
``dead_lettered_at``, redrivable with ``POST /jobs/{id}/retry``).

Cancel: the kind's progress calls are checkpoints. A progress write (at most once a second) holds
only while no cancel is requested; when one is, the kind is stopped with ``Cancelled`` and the job
ends ``cancelled``. Storing the result, the end of a slice and a release are checkpoints too.
"""

from __future__ import annotations

import json
import logging
import math
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib import clock
from chalicelib.aws import queue
from chalicelib.aws.transient import is_transient
from chalicelib.config import get_settings
from chalicelib.errors import Cancelled, ContinueLater, RetryableJobError
from chalicelib.jobs import invocation, store
from chalicelib.jobs.kind import Progress
from chalicelib.jobs.model import Job
from chalicelib.jobs.registry import get_kind, lane_of
from chalicelib.telemetry import logs

log = logging.getLogger(__name__)
PROGRESS_INTERVAL = 1.0  # seconds between progress writes


class Message(Protocol):
    """What the worker needs of an SQS record (Chalice's ``SQSRecord`` has it)."""

    body: str

    def to_dict(self) -> dict[str, Any]: ...


@dataclass(frozen=True)
class Ticket:
    """What a message says: the job, and the job's token (``seq``) when it was sent."""

    job_id: str
    seq: int


def ticket_of(body: str) -> Ticket | None:
    """The message's job and token; None for a body that names no job. A message without a token
    (sent before tokens existed) carries token 0, a new job's."""
    try:
        fields = json.loads(body)
        job_id, seq = fields.get("job_id"), fields.get("seq", 0)
    except (ValueError, AttributeError):
        return None
    if not (isinstance(job_id, str) and job_id) or type(seq) is not int or seq < 0:
        return None
    return Ticket(job_id, seq)


def receive_count(message: Message) -> int:
    return int(message.to_dict().get("attributes", {}).get("ApproximateReceiveCount", "1"))


def handle_jobs(messages: Iterable[Message], context: Any = None) -> dict[str, list[dict[str, str]]]:
    """Process a batch within the invocation's time (``context``: Lambda's, whose
    ``get_remaining_time_in_millis`` tells; None in some tests: no deadline); return the ids of
    the messages SQS should deliver again."""
    failures = []
    with invocation.running(None if context is None else int(context.get_remaining_time_in_millis())):
        for message in messages:
            with logs.scope():  # this message's job, kind and attempt, on every line it logs
                try:
                    done = process(message)
                except Exception:  # infrastructure trouble (DynamoDB, S3): let the queue retry
                    log.exception("message %s will be retried", message.to_dict().get("messageId"))
                    done = False
            if not done:
                failures.append({"itemIdentifier": str(message.to_dict()["messageId"])})
    return {"batchItemFailures": failures}


def lease_seconds() -> float:
    """The claim's lease: until Lambda kills this invocation, so that it is over before SQS can
    deliver the message again (the function's timeout is below the visibility timeout). Never
    longer than the visibility timeout (outside an invocation: no deadline)."""
    return min(invocation.remaining_seconds(), get_settings().visibility_timeout)


def process(message: Message) -> bool:
    """Run the job a message names. True when the message is done with (acknowledge it)."""
    ticket = ticket_of(message.body)
    if ticket is None:
        log.error("dropping a message that names no job: %.200s", message.body)
        return True
    logs.bind(job_id=ticket.job_id)
    claim = store.claim(ticket.job_id, ticket.seq, lease_seconds=lease_seconds())
    if claim.outcome is store.ClaimOutcome.BUSY:
        _come_back_after_the_lease(message, claim.job)
        return False
    if claim.outcome is store.ClaimOutcome.STALE:
        log.info("job %s: a stale message (token %s) acknowledged", ticket.job_id, ticket.seq)
        return True
    if claim.outcome is not store.ClaimOutcome.CLAIMED or claim.job is None:
        return True
    last_delivery = receive_count(message) >= get_settings().max_receive_count
    return _run(claim.job, claim.attempt, last_delivery=last_delivery)


def _come_back_after_the_lease(message: Message, job: Job | None) -> None:
    """Keep a message whose job runs under another worker's live lease out of sight until the
    lease ends: it would only find the job busy again, and spend one of its few receives."""
    record = message.to_dict()
    handle, source = record.get("receiptHandle"), record.get("eventSourceARN")  # the queue it came from
    if job is None or not job.lease_until or not handle or not source:
        return
    seconds = math.ceil((clock.parse_iso(job.lease_until) - clock.now()).total_seconds()) + 1
    if seconds <= 1:
        return
    try:
        queue.hide(str(handle), seconds, queue.name_of(str(source)))
    except (BotoCoreError, ClientError):
        log.warning("job %s: could not delay a busy message; it comes back sooner", job.id, exc_info=True)


def _run(job: Job, attempt: int, last_delivery: bool) -> bool:
    logs.bind(kind=job.kind, attempt=attempt)
    log.info("job %s: attempt %s started", job.id, attempt)
    started = time.perf_counter()
    try:
        kind = get_kind(job.kind)
        result = kind.run(dict(job.params or {}), _progress_reporter(job, attempt))
        stored = store.succeed(job, attempt, result, time.perf_counter() - started)
    except Cancelled:
        _end_cancelled(job, attempt, started)
        return True
    except ContinueLater as exc:
        if store.pause(job, attempt, exc.delay_seconds):  # a new token: the next slice's message carries it
            queue.send_job(job.id, job.kind, int(job.seq), lane_of(job.kind), exc.delay_seconds)
            log.info("job %s continues in %s s: %s", job.id, exc.delay_seconds, exc)
        else:
            _end_cancelled(job, attempt, started)
        return True
    except RetryableJobError as exc:
        return _retry_later(job, attempt, last_delivery, str(exc), started)
    except Exception as exc:
        if is_transient(exc):  # throttled, a 5xx, a lost connection: the next delivery may succeed
            log.warning("job %s attempt %s: transient error: %s", job.id, attempt, describe(exc))
            return _retry_later(job, attempt, last_delivery, describe(exc), started)
        log.exception("job %s failed", job.id)
        store.fail(job, attempt, describe(exc), time.perf_counter() - started)
        return True
    if not stored and not _end_cancelled(job, attempt, started):
        log.warning("job %s attempt %s finished after losing its claim; result discarded", job.id, attempt)
    return True


def _end_cancelled(job: Job, attempt: int, started: float) -> bool:
    """End ``cancelled`` a job whose checkpoint found a cancel request; False if it is no longer
    this attempt's or no cancel was requested (a write that failed for another reason)."""
    if store.cancelled(job, attempt, time.perf_counter() - started):
        log.info("job %s attempt %s: cancelled at a checkpoint", job.id, attempt)
        return True
    return False


def _retry_later(job: Job, attempt: int, last_delivery: bool, error: str, started: float) -> bool:
    """Release the job for the message's next delivery; fail it if this delivery was the last
    (end it cancelled if a cancel was requested). Safe: the writes of this attempt are fenced, so
    nothing it did can be stored twice."""
    if last_delivery:
        if not _end_cancelled(job, attempt, started):
            store.fail(job, attempt, f"gave up after {attempt} attempts: {error}")
        return True
    if store.release(job, attempt, f"will retry: {error}"):
        return False
    # Not released: a cancel was requested (end it, and the message is done with), or the job is no
    # longer this attempt's (leave the message to SQS, as before).
    return _end_cancelled(job, attempt, started)


def describe(exc: BaseException) -> str:
    """``Type: message``, with the AWS error inside a PynamoDB one (whose own message is vague)."""
    text = f"{type(exc).__name__}: {exc}"
    cause = getattr(exc, "cause", None)
    return f"{text} ({cause})" if isinstance(cause, BaseException) else text


def _progress_reporter(job: Job, attempt: int) -> Progress:
    last = 0.0

    def report(fraction: float) -> None:
        nonlocal last
        if time.monotonic() - last >= PROGRESS_INTERVAL:
            last = time.monotonic()
            try:
                written = store.set_progress(job, attempt, min(max(fraction, 0.0), 1.0))
            except Exception as exc:
                if not is_transient(exc):
                    raise
                # Progress is for people watching: a throttled write is skipped, not worth the job.
                log.warning("job %s: progress not written: %s", job.id, describe(exc))
                return
            if not written and store.cancel_requested(job.id):
                raise Cancelled(f"job {job.id}: cancel requested")

    return report


def handle_dead_letters(messages: Iterable[Message]) -> dict[str, list[dict[str, str]]]:
    """Fail the jobs whose messages were delivered too often without finishing. Each dead letter
    is handled alone: one that cannot be handled now (DynamoDB throttled) is reported for
    redelivery (``batchItemFailures``) without holding back the others of its batch."""
    failures = []
    for message in messages:
        with logs.scope():
            try:
                _fail_dead_job(message.body)
            except Exception:
                log.exception("dead letter %s will be retried", message.to_dict().get("messageId"))
                failures.append({"itemIdentifier": str(message.to_dict()["messageId"])})
    return {"batchItemFailures": failures}


def _fail_dead_job(body: str) -> None:
    """Fail the job if this was its current message and no worker holds the job now."""
    ticket = ticket_of(body)
    if ticket is None:  # nothing to fail or redrive: its body stays in the log, for a person to see
        log.error("dead letter naming no job, dropped: %.2000s", body)
        return
    logs.bind(job_id=ticket.job_id)
    deliveries = get_settings().max_receive_count
    reason = f"gave up: its message was delivered {deliveries} times without finishing"
    if store.give_up(ticket.job_id, ticket.seq, reason, dead_letter=True):
        log.error("job %s: %s", ticket.job_id, reason)
    else:
        log.info("job %s: dead letter (token %s) ignored: stale, finished or running", ticket.job_id, ticket.seq)
