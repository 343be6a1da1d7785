"""What waits for the workers, for ``GET /health``: each lane's queue, the dead-letter queue, and
how long the oldest queued job has waited. Counts and an age only, never a job's data.

Cheap on purpose: one GetQueueAttributes per queue and one Query of one index entry (``Limit 1``
on ``by_status``: ``listing.oldest``), whatever the number of jobs. Each part that cannot be read (SQS or DynamoDB
unreachable, throttled, slow) is None and named in ``unavailable``; the rest is still shown.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib import clock
from chalicelib.aws import queue
from chalicelib.config import LANES, get_settings
from chalicelib.jobs import listing
from chalicelib.jobs.model import QUEUED

log = logging.getLogger(__name__)
DEAD_LETTERS = "dead_letters"
OLDEST = "oldest_queued"
_TROUBLE = (BotoCoreError, ClientError)


@dataclass
class Backlog:
    lanes: dict[str, queue.Depth | None] = field(default_factory=dict)
    dead_letters: queue.Depth | None = None
    oldest_queued_seconds: float | None = None
    unavailable: list[str] = field(default_factory=list)


def oldest_queued_at() -> datetime | None:
    """When the oldest job now ``queued`` was created (accepted); None if no job is queued."""
    oldest = listing.oldest(QUEUED)
    return None if oldest is None else clock.parse_iso(oldest[1])


def _depth(name: str, part: str, backlog: Backlog) -> queue.Depth | None:
    try:
        return queue.depth(name)
    except _TROUBLE as exc:
        log.warning("health: queue %s unreadable: %s", name, exc)
        backlog.unavailable.append(part)
        return None


def backlog() -> Backlog:
    """The queues' depths and the oldest queued job's age, now."""
    settings, found = get_settings(), Backlog()
    found.lanes = {lane: _depth(settings.queue(lane), lane, found) for lane in LANES}
    found.dead_letters = _depth(settings.jobs_dlq, DEAD_LETTERS, found)
    try:
        oldest = oldest_queued_at()
    except _TROUBLE as exc:
        log.warning("health: the oldest queued job is unknown: %s", exc)
        found.unavailable.append(OLDEST)
    else:
        found.oldest_queued_seconds = None if oldest is None else round((clock.now() - oldest).total_seconds(), 3)
    return found
