"""The job record in DynamoDB (PynamoDB model) and the statuses it moves through."""

from __future__ import annotations

from typing import Literal, get_args

from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.indexes import GlobalSecondaryIndex, IncludeProjection, KeysOnlyProjection
from pynamodb.models import Model

from chalicelib.config import get_settings

# The one list of statuses: the API's models take ``Status``, the code its names below.
Status = Literal["queued", "running", "succeeded", "failed", "cancelled"]
STATUSES: tuple[Status, ...] = get_args(Status)
QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED = STATUSES
FINISHED = frozenset({SUCCEEDED, FAILED, CANCELLED})

KIND_INDEX = "by_kind"
STATUS_INDEX = "by_status"
ALL_INDEX = "by_created"
OPEN_INDEX = "open_by_due"
# ``open_key``'s one value: every open job in one index partition, ordered by ``due_at``.
OPEN = "open"
# ``list_key``'s one value: every job in one partition of ``by_created``, newest first on request.
EVERY_JOB = "job"
# What a listing shows of each job, projected into the listing indexes (``by_kind``, ``by_status``,
# ``by_created``), so a page is one Query that never reads the full records.
LISTED = ("kind", "name", "status", "progress", "created_at", "started_at", "finished_at", "duration", "attempts")


def projected(index_hash_key: str) -> list[str]:
    """What a listing index keyed on ``index_hash_key`` projects: ``LISTED`` but its own key, which
    every index holds anyway (DynamoDB refuses a key attribute among ``NonKeyAttributes``)."""
    return [name for name in LISTED if name != index_hash_key]


class KindIndex(GlobalSecondaryIndex["Job"]):  # type: ignore[no-untyped-call]
    """Jobs of one kind by launch time: listings page through it without reading full records."""

    class Meta:
        index_name = KIND_INDEX
        projection = IncludeProjection(projected("kind"))

    kind = UnicodeAttribute(hash_key=True)
    created_key = UnicodeAttribute(range_key=True)


class StatusIndex(GlobalSecondaryIndex["Job"]):  # type: ignore[no-untyped-call]
    """Jobs in one status by launch time (the oldest queued job, the failed ones)."""

    class Meta:
        index_name = STATUS_INDEX
        projection = IncludeProjection(projected("status"))

    status = UnicodeAttribute(hash_key=True)
    created_key = UnicodeAttribute(range_key=True)


class EveryJobIndex(GlobalSecondaryIndex["Job"]):  # type: ignore[no-untyped-call]
    """Every job by launch time: ``GET /jobs`` without a filter pages through it."""

    class Meta:
        index_name = ALL_INDEX
        projection = IncludeProjection(projected("list_key"))

    list_key = UnicodeAttribute(hash_key=True)
    created_key = UnicodeAttribute(range_key=True)


class OpenIndex(GlobalSecondaryIndex["Job"]):  # type: ignore[no-untyped-call]
    """Open (queued or running) jobs by the time they are due to move on: a sparse index (only jobs
    with ``open_key`` are in it), so the sweeper finds the overdue ones with one range query."""

    class Meta:
        index_name = OPEN_INDEX
        projection = KeysOnlyProjection()

    open_key = UnicodeAttribute(hash_key=True)
    due_at = UnicodeAttribute(range_key=True)


class Job(Model):
    """One unit of work of any kind. Every change of ``status`` is a conditional write."""

    class Meta:
        table_name = get_settings().jobs_table
        region = get_settings().region

    id = UnicodeAttribute(hash_key=True)
    kind = UnicodeAttribute()
    name = UnicodeAttribute()
    params = JSONAttribute(default=dict)
    status = UnicodeAttribute(default=QUEUED)
    created_at = UnicodeAttribute()
    # ``created_at#id``: the index's sort key, unique, so equal launch times still have one order.
    created_key = UnicodeAttribute()
    # ``EVERY_JOB``: the hash key of ``by_created`` (one partition: the listing's order is global).
    list_key = UnicodeAttribute(default=EVERY_JOB)
    updated_at = UnicodeAttribute()
    started_at = UnicodeAttribute(null=True)
    finished_at = UnicodeAttribute(null=True)
    # Seconds the computation itself took (measured by the worker), set when finished.
    duration = NumberAttribute(null=True)
    progress = NumberAttribute(default=0)
    # Incremented by every claim; a worker's writes are fenced by the attempt it claimed.
    attempts = NumberAttribute(default=0)
    # A running job whose lease has passed may be claimed again (its worker died).
    lease_until = UnicodeAttribute(null=True)
    # The token of the job's current message: each slice (``pause``) adds 1 and sends a message
    # carrying the new value; a message with another value is stale and only acknowledged.
    seq = NumberAttribute(default=0)
    result = JSONAttribute(null=True)
    # Where a result too large for the item lives in S3 (key in the files bucket).
    result_key = UnicodeAttribute(null=True)
    error = UnicodeAttribute(null=True)
    # Seconds since the epoch: DynamoDB's time to live deletes the record after it (RETENTION_DAYS).
    expires_at = NumberAttribute(null=True)
    # While the job is open (queued or running): ``OPEN``, and when it should have moved on by
    # (ISO time; set by every transition). Both removed when it finishes: the sweeper's index.
    open_key = UnicodeAttribute(null=True)
    due_at = UnicodeAttribute(null=True)
    # Messages the sweeper sent again for the current slice (reset by ``pause``).
    resends = NumberAttribute(default=0)
    # When someone asked to cancel the job while a worker held it: the worker's next checkpoint
    # (a progress write, storing the result, the end of a slice) ends it ``cancelled``.
    cancel_requested_at = UnicodeAttribute(null=True)
    # When its message reached the dead-letter queue and the job was failed for it (null otherwise).
    dead_lettered_at = UnicodeAttribute(null=True)
    # The runs before each retry, oldest first: ``{attempts, status, error, started_at, finished_at,
    # duration, dead_lettered_at}`` (a list; null until the first retry).
    history = JSONAttribute(null=True)

    by_kind = KindIndex()
    by_status = StatusIndex()
    by_created = EveryJobIndex()
    open_by_due = OpenIndex()
