"""Lanes: imports, which wait on the posts API's rate limit, have a queue and handler of their own,
so a flood of them never holds back the other jobs."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta

import pytest
from chalice.test import Client
from urllib3 import encode_multipart_formdata

from chalicelib import clock
from chalicelib.config import get_settings
from chalicelib.jobs import store, sweeper
from chalicelib.jobs.kind import JobKind
from chalicelib.jobs.registry import KINDS
from infra.local.fake_posts_api import FakePostsApi
from tests.functional.delivery import Queues

IMPORTS = 20
CALCULATION = {"date_start": "2020-01-01", "date_fin": "2020-03-31", "lag": 7}


@pytest.fixture
def posts_api(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakePostsApi]:
    with FakePostsApi() as api:
        monkeypatch.setenv("POSTS_API_URL", api.url)
        monkeypatch.setenv("POSTS_PER_SECOND", "50")
        get_settings.cache_clear()
        yield api
    get_settings.cache_clear()


def start_import(client: Client, n: int) -> str:
    body, content_type = encode_multipart_formdata({"file": ("posts.csv", b"userId,title,body\n%d,t,b\n" % n)})
    response = client.http.post("/imports", body=body, headers={"Content-Type": content_type})
    assert response.status_code == 202, response.body
    return str(json.loads(response.body)["id"])


def start_calculation(client: Client) -> str:
    response = client.http.post(
        "/calculations", body=json.dumps(CALCULATION), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 201, response.body
    return str(json.loads(response.body)["id"])


def test_a_calculation_queued_behind_twenty_imports_runs_at_once(
    client: Client, queues: Queues, posts_api: FakePostsApi
) -> None:
    # GIVEN twenty imports queued, then a calculation
    imports = [start_import(client, n) for n in range(1, IMPORTS + 1)]
    calculation = start_calculation(client)

    # WHEN the jobs' worker (run_jobs) is invoked once
    assert queues.deliver(get_settings().jobs_queue) == 1

    # THEN it ran the calculation; the imports wait in their own lane, none started
    assert store.get_job(calculation).status == "succeeded"
    assert {store.get_job(job_id).status for job_id in imports} == {"queued"}
    assert posts_api.calls() == []

    # and their own worker (run_imports) runs them all, each row sent once
    queues.drain()
    assert {store.get_job(job_id).status for job_id in imports} == {"succeeded"}
    assert sorted(post["userId"] for post in posts_api.created()) == list(range(1, IMPORTS + 1))


def test_a_backlog_of_imports_postpones_only_the_sweep_of_imports(
    client: Client, queues: Queues, posts_api: FakePostsApi
) -> None:
    # GIVEN imports waiting in their lane, and a calculation and an import whose messages were lost
    for n in range(1, 4):
        start_import(client, n)
    lost_metric = store.new_job(KINDS["metric"], {})
    lost_import = store.new_job(KINDS["import"], {"import_id": "0" * 32, "filename": "lost.csv"})
    moment = clock.parse_iso(lost_import.created_at) + timedelta(seconds=get_settings().sweep_grace_seconds + 1)

    # WHEN the sweeper runs past their grace period
    swept = sweeper.sweep(moment)

    # THEN the job's message is sent again on the jobs queue, which no import holds back; the
    # import's may be waiting behind the others in its own queue, so it is left for a later run
    # (as are the three waiting ones)
    assert (swept.resent, swept.postponed) == ([lost_metric.id], 4)
    assert queues.waiting(get_settings().jobs_queue) == 1
    assert queues.deliver(get_settings().jobs_queue) == 1
    assert store.get_job(lost_metric.id).status == "succeeded"
    assert store.get_job(lost_import.id).status == "queued"


def test_a_busy_imports_message_is_kept_out_of_sight_on_its_own_queue(
    client: Client, queues: Queues, posts_api: FakePostsApi
) -> None:
    # GIVEN an import another worker holds, and queues that would redeliver at once
    queues.retry_at_once()
    job_id = start_import(client, 1)
    store.claim(job_id, 0, lease_seconds=300)

    # WHEN its message is delivered: the job is busy
    assert queues.deliver(get_settings().imports_queue) == 1

    # THEN the message is hidden on the imports queue until the lease ends (the record's
    # eventSourceARN names the queue), rather than spending its few receives on a busy job
    assert queues.deliver() == 0
    assert queues.waiting(get_settings().imports_queue) == 1
    assert posts_api.calls() == []


def test_a_lost_job_of_a_kind_no_longer_known_is_failed_with_a_reason(queues: Queues) -> None:
    # GIVEN a job of a kind since removed from the registry, whose message was lost
    retired = JobKind(name="retired", run=lambda params, progress: None)
    job = store.new_job(retired, {})
    moment = clock.parse_iso(job.created_at) + timedelta(seconds=get_settings().sweep_grace_seconds + 1)

    # WHEN the sweeper sends its message again, to the jobs lane, and a worker takes it
    assert sweeper.sweep(moment).resent == [job.id]
    assert queues.deliver(get_settings().jobs_queue) == 1

    # THEN the job ends failed, saying why, rather than open forever
    failed = store.get_job(job.id)
    assert failed.status == "failed"
    assert "unknown job kind 'retired'" in (failed.error or "")
