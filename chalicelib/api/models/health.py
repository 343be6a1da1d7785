"""``GET /health``."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from chalicelib.api.models.common import Answer, Time


class QueueDepth(Answer):
    """A queue's messages by state: SQS's approximate counts, which may lag a few seconds."""

    waiting: int = Field(description="Ready for a worker, not yet received (ApproximateNumberOfMessages).")
    in_flight: int = Field(
        description="Received by a worker and not yet deleted: running, or to come back after the visibility"
        " timeout (ApproximateNumberOfMessagesNotVisible)."
    )
    delayed: int = Field(
        description="Sent with a delay not yet passed, e.g. an import's next slice"
        " (ApproximateNumberOfMessagesDelayed)."
    )


class Health(Answer):
    """The API is up (``status`` is ``ok`` whenever it answers), and what waits for the workers.
    A part that cannot be read now (SQS or DynamoDB unreachable) is null and named in ``unavailable``."""

    status: Literal["ok"]
    stage: str
    time: Time
    queues: dict[str, QueueDepth | None] = Field(description="Each lane's job queue (jobs, imports), by lane.")
    dead_letters: QueueDepth | None = Field(
        description="The dead-letter queue: messages delivered too often without finishing. Its handler fails their"
        " jobs and deletes them, so a depth that stays above 0 means dead letters are not being handled."
    )
    oldest_queued_seconds: float | None = Field(
        description="Seconds since the oldest job now in status queued was accepted (its created_at); null when no"
        " job is queued. A job between two slices (an import waiting for its next one) or released for a retry is"
        " queued too, and counts from its creation."
    )
    unavailable: list[str] = Field(
        description="The parts that could not be read now: a lane's name, dead_letters, oldest_queued."
    )
