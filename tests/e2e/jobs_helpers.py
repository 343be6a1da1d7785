"""Jobs made over HTTP for the browser tests of the Jobs section: one of each kind, one that fails."""

from __future__ import annotations

import time
from typing import Any

import requests

from tests.stack import Service

FINISHED = ("succeeded", "failed", "cancelled")
# Not a plays file: a report of it is accepted through storage (no header check there) and fails.
NOT_PLAYS = b"userId,title,body\n1,a,b\n"


def post(service: Service, path: str, **kwargs: Any) -> dict[str, Any]:
    answer = requests.post(f"{service.api}/{path}", timeout=10, **kwargs)
    assert answer.status_code in (201, 202), answer.text
    result: dict[str, Any] = answer.json()
    return result


def posts_csv(rows: int, tag: str) -> bytes:
    lines = [f'{n % 10 + 1},"{tag} {n}","body {n}"' for n in range(1, rows + 1)]
    return ("userId,title,body\n" + "\n".join(lines) + "\n").encode()


def failing_report(service: Service) -> str:
    """A report that fails when it runs: its file is not a plays CSV (found by the worker)."""
    ticket = post(service, "reports/uploads", json={"size": len(NOT_PLAYS), "filename": "not-plays.csv"})
    stored = requests.put(ticket["url"], data=NOT_PLAYS, headers=ticket["headers"], timeout=10)
    assert stored.ok, stored.text
    queued = post(service, "reports/from-upload", json={"upload_id": ticket["upload_id"], "filename": "not-plays.csv"})
    return str(queued["id"])


def finished(service: Service, job_id: str, timeout: float = 90) -> dict[str, Any]:
    """GET /jobs/{id} until the job is finished; the last answer."""
    deadline = time.monotonic() + timeout
    answer: dict[str, Any] = {}
    while time.monotonic() < deadline:
        answer = requests.get(f"{service.api}/jobs/{job_id}", timeout=10).json()
        if answer["status"] in FINISHED:
            return answer
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} unfinished after {timeout} s: {answer}")
