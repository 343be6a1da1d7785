"""EventBridge schedules, locally: how often a ``rate(...)`` fires and the event it delivers.

``LOCAL_SCHEDULE_SECONDS`` replaces every schedule's period (and is the only way a ``cron(...)``
schedule runs locally), so that a sweeper meant to run every few minutes can be watched in seconds.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from typing import Any

_RATE = re.compile(r"rate\(\s*(\d+)\s+(minutes?|hours?|days?)\s*\)")
_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}
LOCAL_ACCOUNT = "123456789012"


def period_seconds(expression: str, override: float | None = None) -> float | None:
    """Seconds between runs: ``override`` if given, else the rate's period; None for a cron without override."""
    if override:
        return override
    match = _RATE.fullmatch(expression.strip())
    if not match:
        return None
    return int(match.group(1)) * _UNIT_SECONDS[match.group(2).rstrip("s")]


def scheduled_event(rule: str, region: str, when: datetime | None = None) -> dict[str, Any]:
    """The event EventBridge hands a function on a schedule (detail-type "Scheduled Event")."""
    moment = (when or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": LOCAL_ACCOUNT,
        "time": moment,
        "region": region,
        "resources": [f"arn:aws:events:{region}:{LOCAL_ACCOUNT}:rule/{rule}"],
        "detail": {},
    }
