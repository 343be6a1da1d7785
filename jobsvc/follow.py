"""Following a job until it finishes, with a progress bar: ``watch``, ``report`` and ``import`` share it."""

from __future__ import annotations

from collections.abc import Callable
from time import monotonic, sleep
from typing import Any

from jobsvc.client import Api, ApiError
from jobsvc.progress import JobBar

FINISHED = frozenset({"succeeded", "failed", "cancelled"})
POLL_SECONDS = 0.5


def follow(
    api: Api,
    path: str,
    label: str,
    counters: Callable[[dict[str, Any]], str] = lambda job: "",
    timeout: float | None = None,
    poll: float = POLL_SECONDS,
) -> dict[str, Any]:
    """GET ``path`` (a job's status view) every ``poll`` seconds until the job finished; its last
    answer. ApiError once ``timeout`` seconds passed (None: wait as long as it runs)."""
    progress = JobBar(label)
    started = monotonic()
    try:
        while True:
            job: dict[str, Any] = api.get(path)
            finished = job.get("status") in FINISHED
            progress.update(job, counters(job), force=finished)
            if finished:
                return job
            if timeout is not None and monotonic() - started > timeout:
                raise ApiError(f"{path}: not finished after {timeout:,.0f} s (status {job.get('status')})")
            sleep(poll)
    finally:
        progress.end()
