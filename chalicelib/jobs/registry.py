"""The registry of job kinds: the one place that lists them."""

from __future__ import annotations

from chalicelib.errors import InvalidInput
from chalicelib.jobs.kind import JobKind
from chalicelib.jobs.kinds import calculation, metric, post_import, report

KINDS: dict[str, JobKind] = {kind.name: kind for kind in (metric.KIND, calculation.KIND, report.KIND, post_import.KIND)}


def get_kind(name: str) -> JobKind:
    try:
        return KINDS[name]
    except KeyError:
        raise InvalidInput("kind", f"unknown job kind {name!r}; known: {', '.join(KINDS)}") from None
