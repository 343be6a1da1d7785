"""``ls``, ``show``, ``watch``, ``cancel``, ``retry``: any job, whatever its kind (``/jobs``)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

from jobsvc.client import Api
from jobsvc.follow import follow
from jobsvc.render import details, table

# What ``show`` adds for a kind: its own status view (an import's counters, a report's counts).
KIND_VIEWS = {"import": "imports/{id}", "report": "reports/{id}"}


def job_path(job_id: str, *rest: str) -> str:
    return "/".join(("jobs", quote(job_id, safe=""), *rest))


def pages(api: Api, query: dict[str, Any], every: bool) -> Iterator[tuple[list[dict[str, Any]], str | None]]:
    """``GET /jobs`` a page at a time (items, next cursor): one page, or every page with ``every``."""
    params = {name: value for name, value in query.items() if value is not None}
    while True:
        page = api.get("jobs", params)
        cursor = page.get("next_cursor")
        yield list(page.get("items", [])), cursor
        if not every or not cursor:
            return
        params["cursor"] = cursor


def ls(api: Api, query: dict[str, Any], every: bool, as_json: bool) -> list[str]:
    """The jobs, newest first, as a table (or one JSON object a line); a hint when more remain."""
    items: list[dict[str, Any]] = []
    cursor = None
    for page, next_cursor in pages(api, query, every):
        items += page
        cursor = next_cursor
    if as_json:
        return [json.dumps(item) for item in items]
    lines = table(items) if items else ["no jobs"]
    if cursor:
        lines.append(f"(more: --all, or --cursor {cursor})")
    return lines


def show(api: Api, job_id: str, as_json: bool) -> list[str]:
    job: dict[str, Any] = api.get(job_path(job_id))
    view = KIND_VIEWS.get(str(job.get("kind")))
    extra = api.get(view.format(id=quote(job_id, safe=""))) if view else None
    if as_json:
        return [json.dumps({**job, **({"view": extra} if extra else {})}, indent=2)]
    return details(job, extra)


def watch(api: Api, job_id: str, timeout: float | None) -> tuple[dict[str, Any], list[str]]:
    """Follow the job until it finished; its last state and the lines that sum it up."""
    job = follow(api, job_path(job_id), f"{job_id[:8]}", timeout=timeout)
    return job, ending(job)


def ending(job: dict[str, Any]) -> list[str]:
    duration = job.get("duration")
    took = f" in {duration:,.1f} s" if isinstance(duration, int | float) else ""
    lines = [f"{job.get('id')}: {job.get('status')}{took} (attempts {job.get('attempts', '?')})"]
    if job.get("error"):
        lines.append(f"error: {job['error']}")
    return lines


def cancel(api: Api, job_id: str) -> list[str]:
    answer = api.post(job_path(job_id, "cancel"))
    status = answer.get("status")
    if status == "cancelled":
        return [f"{job_id}: cancelled"]
    return [f"{job_id}: {status}; cancel requested: it stops at its next checkpoint"]


def retry(api: Api, job_id: str, resend_unknown: bool) -> list[str]:
    answer = api.post(job_path(job_id, "retry"), {"resend_unknown": resend_unknown})
    return [f"{job_id}: {answer.get('status')} again"]
