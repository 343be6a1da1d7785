"""Posts imports on the local stack: the shared rate limiter against DynamoDB Local under
concurrency, and an import through real HTTP, counted at the fake posts API."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests

from chalicelib.aws import clients, files
from chalicelib.config import get_settings
from chalicelib.errors import ContinueLater
from chalicelib.imports import ledger, posts_api
from chalicelib.imports.limiter import RateLimiter
from chalicelib.jobs.kinds import post_import
from infra.local.fake_posts_api import DEFAULT_HANG
from infra.local.processes import free_port, wait_until
from infra.local.stack import ROOT
from tests.stack import Service, until_finished

pytestmark = pytest.mark.integration


@pytest.fixture
def on_the_stack(service: Service, monkeypatch: pytest.MonkeyPatch) -> Iterator[Service]:
    """This process's AWS clients pointed at the stack's DynamoDB Local, for the duration of a test."""
    for name in ("AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL_SQS", "AWS_ENDPOINT_URL_S3"):
        monkeypatch.setenv(name, service.env[name])
    clients.reset()
    get_settings.cache_clear()
    yield service
    monkeypatch.undo()
    clients.reset()
    get_settings.cache_clear()


def test_the_limiter_holds_7_a_second_across_8_threads(on_the_stack: Service) -> None:
    """8 threads send through the real client and limiter to a fake in its own process (its clock
    is not slowed by this process's threads), which counts arrivals per sliding second."""
    port = free_port()
    fake = subprocess.Popen(
        [sys.executable, "-m", "infra.local.fake_posts_api", "--port", str(port), "--latency", "0.05"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: urllib.request.urlopen(f"{url}/_stats", timeout=1).status == 200, "the fake")
        limiter = RateLimiter("test-limit", per_second=7)
        with ThreadPoolExecutor(8) as pool:
            outcomes = list(pool.map(lambda n: posts_api.send(url, {"n": n}, limiter, max_wait=30), range(42)))
        stats = json.loads(urllib.request.urlopen(f"{url}/_stats", timeout=5).read())
    finally:
        fake.terminate()
        fake.wait(timeout=10)

    assert all(outcome.ok for outcome in outcomes)
    assert stats["count"] == 42
    assert stats["max_in_1s"] <= 7  # its throughput is measured in bench/imports_main.py


def wait(service: Service, import_id: str, timeout: float = 60) -> dict[str, Any]:
    return until_finished(f"{service.api}/imports/{import_id}", timeout)


def test_an_import_over_http_sends_each_row_once_within_the_limit(service: Service) -> None:
    service.posts_api.reset()
    rows = "".join(f"{n},title {n},body {n}\n" for n in range(1, 16))
    content = f"userId,title,body\n{rows}oops,bad,row\n".encode()
    response = requests.post(f"{service.api}/imports", files={"file": ("posts.csv", content, "text/csv")}, timeout=10)
    assert response.status_code == 202

    answer = wait(service, response.json()["id"])

    results = requests.get(f"{service.api}/imports/{response.json()['id']}/results", timeout=10).json()["results"]
    assert answer["status"] == "succeeded"
    counts = (answer["rows_in"], answer["rows_invalid"], answer["rows_sent"], answer["rows_failed"])
    assert counts == (16, 1, 15, 0), [(row["line"], row.get("error")) for row in results if row["result"] != "ok"]
    assert sorted(post["userId"] for post in service.posts_api.created()) == list(range(1, 16))
    assert service.posts_api.max_in_window(1.0) <= 7
    assert [row["result"] for row in results] == ["ok"] * 15 + ["error"]
    assert results[-1] == {
        "line": 17,
        "userId": None,
        "result": "error",
        "postId": None,
        "error": "invalid: userId 'oops' is not a whole number from 1 to 2,147,483,647",
    }


def test_a_file_that_is_not_csv_is_refused(service: Service) -> None:
    response = requests.post(
        f"{service.api}/imports", files={"file": ("x.bin", b"\x00\x01\x02", "application/x")}, timeout=10
    )
    assert response.status_code == 415


def test_posts_created_but_answered_late_are_created_once(on_the_stack: Service) -> None:
    """The API creates every post but answers every 4th request after 3 s (past the 2 s client
    timeout): each row is still created once at the API (counted per title), and the late ones are
    recorded as rows whose outcome is unknown, never sent again. The import runs in this process
    against the stack's DynamoDB and S3 and over HTTP to the fake (the stack's 2 s visibility
    timeout, set for its dead-letter tests, is shorter than one late answer)."""
    service = on_the_stack
    service.posts_api.reset()
    service.posts_api.configure(hang=3)
    service.posts_api.script([201, 201, 201, "timeout"] * 6)
    rows = "".join(f"{n},title {n},body {n}\n" for n in range(1, 25))
    import_id = uuid.uuid4().hex
    files.put_bytes(post_import.upload_key(import_id), f"userId,title,body\n{rows}".encode())
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("POSTS_API_URL", service.posts_api.url)
            get_settings.cache_clear()
            counters = _run_to_the_end(post_import.KIND.parse_params({"import_id": import_id}))
        titles = [post["title"] for post in service.posts_api.created()]
    finally:  # the fake is the stack's: leave it as the other tests expect it
        service.posts_api.reset()
        service.posts_api.configure(hang=DEFAULT_HANG)

    twice = sorted({title for title in titles if titles.count(title) > 1})
    assert twice == [], f"{len(twice)} of 24 rows created twice: {twice}"
    assert sorted(titles) == sorted(f"title {n}" for n in range(1, 25))
    results, _ = ledger.results(import_id)
    late = [row["line"] - 1 for row in results if row.get("outcome_unknown")]
    assert late == list(range(4, 25, 4))
    assert {name: counters[name] for name in ("rows_in", "rows_sent", "rows_failed", "rows_unknown")} == {
        "rows_in": 24,
        "rows_sent": 18,
        "rows_failed": 6,
        "rows_unknown": 6,
    }


def _run_to_the_end(params: dict[str, Any]) -> dict[str, int]:
    """Run an import's slices one after another, as its messages would."""
    while True:
        try:
            return dict(post_import.KIND.run(params, lambda fraction: None))
        except ContinueLater:
            continue
