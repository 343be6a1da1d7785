"""Cancel and retry of an import on the local stack, over real HTTP, measured at the fake posts
API (its own record of each request's arrival time)."""

from __future__ import annotations

import time
from typing import Any

import pytest
import requests

from tests.stack import Service

pytestmark = pytest.mark.integration
ROWS = 30  # about 5 s at the posts API's ~6.5 rows/s
STARTED = 4  # posts created before the cancel
CANCEL_STOPS_WITHIN = 2.0  # seconds: the promise


def start_import(service: Service, tag: str) -> tuple[str, list[str]]:
    service.posts_api.reset()
    titles = [f"{tag} {n}" for n in range(1, ROWS + 1)]
    content = "userId,title,body\n" + "".join(f"{n},{title},body\n" for n, title in enumerate(titles, start=1))
    response = requests.post(
        f"{service.api}/imports", files={"file": ("posts.csv", content.encode(), "text/csv")}, timeout=10
    )
    assert response.status_code == 202, response.text
    return str(response.json()["id"]), titles


def created(service: Service, titles: list[str]) -> list[str]:
    return [post["title"] for post in service.posts_api.created() if post["title"] in titles]


def wait_for(condition: Any, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {what}")
        time.sleep(0.05)


def job(service: Service, job_id: str) -> dict[str, Any]:
    answer: dict[str, Any] = requests.get(f"{service.api}/jobs/{job_id}", timeout=10).json()
    return answer


def cancel_when_sending(service: Service, job_id: str, titles: list[str]) -> float:
    """Cancel once a few posts went out; the time the cancel was asked (before its request)."""
    wait_for(lambda: len(created(service, titles)) >= STARTED, f"{STARTED} posts created")
    asked = time.time()
    response = requests.post(f"{service.api}/jobs/{job_id}/cancel", timeout=10)
    assert response.status_code == 202, response.text
    wait_for(lambda: job(service, job_id)["status"] == "cancelled", "the import cancelled")
    return asked


def test_a_running_imports_sends_stop_within_2_s_of_the_cancel(service: Service) -> None:
    job_id, titles = start_import(service, "cancel")

    asked = cancel_when_sending(service, job_id, titles)

    arrivals = [call["at"] for call in service.posts_api.calls() if call["body"]["title"] in titles]
    last = max(arrivals) - asked
    print(f"last post {last:.2f} s after the cancel; {len(arrivals)} of {ROWS} rows sent")
    assert last < CANCEL_STOPS_WITHIN, f"a post arrived {last:.2f} s after the cancel"
    assert len(arrivals) < ROWS  # it did stop
    counters = requests.get(f"{service.api}/imports/{job_id}", timeout=10).json()
    assert counters["status"] == "cancelled"
    # What it sent stays recorded: each post that arrived is a row sent, or, when its answer came too
    # late (a very busy machine), a row of unknown outcome, never sent again.
    assert counters["rows_sent"] + counters["rows_unknown"] == len(arrivals)


def test_a_retry_of_an_import_sends_only_the_rows_not_yet_sent(service: Service) -> None:
    job_id, titles = start_import(service, "retry")
    cancel_when_sending(service, job_id, titles)
    before = created(service, titles)

    response = requests.post(f"{service.api}/jobs/{job_id}/retry", json={}, timeout=10)
    assert response.status_code == 202
    assert response.json() == {"id": job_id, "status": "queued"}
    wait_for(lambda: job(service, job_id)["status"] == "succeeded", "the retried import finished")

    after = created(service, titles)
    print(f"{len(before)} rows sent before the cancel, {len(after) - len(before)} by the retry")
    assert sorted(after) == sorted(titles)  # every row once: none sent twice, none left out
    assert after[: len(before)] == before
    assert set(after[len(before) :]).isdisjoint(before)
    record = job(service, job_id)
    assert [run["status"] for run in record["history"]] == ["cancelled"]
    assert record["attempts"] > record["history"][0]["attempts"]
