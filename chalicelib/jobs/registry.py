"""The registry of job kinds: the one place that lists them."""

from __future__ import annotations

from chalicelib.config import JOBS_LANE
from chalicelib.errors import InvalidInput
from chalicelib.jobs.kind import JobKind
from chalicelib.jobs.kinds import calculation, metric, post_import, report

KINDS: dict[str, JobKind] = {kind.name: kind for kind in (metric.KIND, calculation.KIND, report.KIND, post_import.KIND)}


def get_kind(name: str) -> JobKind:
    try:
        return KINDS[name]
    except KeyError:
        raise InvalidInput("kind", f"unknown job kind {name!r}; known: {', '.join(KINDS)}") from None


def lane_of(name: str) -> str:
    """The lane whose queue carries a kind's messages; the jobs lane for a kind no longer known, so
    that a worker still fails its job with a reason rather than nothing ever taking it up."""
    kind = KINDS.get(name)
    return kind.lane if kind else JOBS_LANE
