"""Time as the API shows it: ISO 8601 in UTC with milliseconds (``2026-11-22T10:00:00.123Z``)."""

from __future__ import annotations

from datetime import UTC, datetime


def now() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def now_iso() -> str:
    return iso(now())


def expiry(days: int) -> int:
    """The moment ``days`` from now as DynamoDB's time to live takes it: seconds since the epoch."""
    return int(now().timestamp()) + days * 86_400


def parse_iso(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
