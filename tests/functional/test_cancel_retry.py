"""POST /jobs/{id}/cancel and /retry in-process: every transition, the checkpoints, the races
(cancel against a claim, two retries at once, an old message after a retry, a worker killed after
a cancel request), dead letters redriven, and an import's retry that sends only what it must."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from chalice.test import Client
from pynamodb.exceptions import UpdateError

from chalicelib import clock
from chalicelib.aws import clients
from chalicelib.config import get_settings
from chalicelib.errors import Conflict, ContinueLater, RetryableJobError
from chalicelib.imports import ledger
from chalicelib.imports import posts_api as posts_api_client
from chalicelib.jobs import redrive, store, sweeper, worker
from chalicelib.jobs.kind import Params, Progress
from chalicelib.jobs.kinds import report as report_kind
from chalicelib.jobs.model import Job
from chalicelib.jobs.registry import KINDS
from chalicelib.reports import aggregate as aggregation
from infra.local.fake_posts_api import FakePostsApi
from tests.functional.delivery import Queues
from tests.functional.test_imports import results, status, upload
from tests.functional.test_jobs import throttle_progress_once, throttled
from tests.functional.test_reports import PLAYS
from tests.functional.test_reports import upload as upload_plays


def launch(client: Client) -> str:
    response = client.http.post("/launch", body="", headers={"Content-Type": "application/json"})
    assert response.status_code == 202, response.body
    return str(json.loads(response.body)["job_id"])


def post(client: Client, path: str, body: dict[str, Any] | None = None) -> tuple[int, dict[str, Any]]:
    response = client.http.post(
        path, body=json.dumps(body) if body is not None else "", headers={"Content-Type": "application/json"}
    )
    return response.status_code, dict(json.loads(response.body))


def cancel(client: Client, job_id: str) -> tuple[int, dict[str, Any]]:
    return post(client, f"/jobs/{job_id}/cancel")


def retry(client: Client, job_id: str, body: dict[str, Any] | None = None) -> tuple[int, dict[str, Any]]:
    return post(client, f"/jobs/{job_id}/retry", body)


def record(client: Client, job_id: str) -> dict[str, Any]:
    response = client.http.get(f"/jobs/{job_id}")
    assert response.status_code == 200, response.body
    return dict(json.loads(response.body))


def drain(queues: Queues) -> None:
    queues.drain()


def metric_running(monkeypatch: pytest.MonkeyPatch, body: Any) -> list[str]:
    """The metric kind replaced by ``body(progress)``; the list records each run."""
    calls: list[str] = []

    def run(params: Params, progress: Progress) -> Any:
        calls.append("run")
        return body(progress)

    monkeypatch.setitem(KINDS, "metric", replace(KINDS["metric"], run=run))
    return calls


@pytest.fixture
def metric_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    return metric_running(monkeypatch, lambda progress: "done")


# -- cancel


def test_a_queued_job_is_cancelled_at_once_and_never_runs(
    client: Client, queues: Queues, metric_calls: list[str]
) -> None:
    job_id = launch(client)

    assert cancel(client, job_id) == (202, {"id": job_id, "status": "cancelled"})
    drain(queues)  # its message is acknowledged: the job is finished

    job = record(client, job_id)
    assert job["status"] == "cancelled"
    assert job["finished_at"]
    assert job["attempts"] == 0
    assert metric_calls == []
    assert queues.waiting() == 0
    assert Job.get(job_id).open_key is None  # out of the sweeper's index


@pytest.mark.parametrize("end", ["succeeded", "failed", "cancelled"])
def test_a_finished_job_cannot_be_cancelled(client: Client, queues: Queues, metric_calls: list[str], end: str) -> None:
    job_id = launch(client)
    if end == "succeeded":
        drain(queues)
    elif end == "failed":
        store.give_up(job_id, 0, "lost")
    else:
        cancel(client, job_id)

    code, answer = cancel(client, job_id)

    assert code == 409
    assert answer["Code"] == "ConflictError"
    assert answer["Message"].startswith("job_id:")
    assert end in answer["Message"]
    assert record(client, job_id)["status"] == end


def test_unknown_ids_are_404_on_cancel_and_retry(client: Client) -> None:
    for path in ("cancel", "retry"):
        code, answer = post(client, f"/jobs/{'0' * 32}/{path}")
        assert code == 404
        assert "0" * 32 in answer["Message"]


def test_a_running_job_stops_at_its_next_progress_checkpoint(
    client: Client, queues: Queues, monkeypatch: pytest.MonkeyPatch
) -> None:
    steps: list[str] = []
    answers: list[tuple[int, dict[str, Any]]] = []

    def body(progress: Progress) -> str:
        answers.append(cancel(client, job_id))  # a person cancels while it runs
        steps.append("before the checkpoint")
        progress(0.5)
        steps.append("after the checkpoint")
        return "never stored"

    metric_running(monkeypatch, body)
    job_id = launch(client)

    queues.deliver()

    assert answers == [(202, {"id": job_id, "status": "running"})]  # running until its checkpoint
    assert steps == ["before the checkpoint"]
    job = store.get_job(job_id)
    assert (job.status, job.result, job.attempts) == ("cancelled", None, 1)
    assert job.cancel_requested_at is not None
    assert job.finished_at is not None
    assert job.open_key is None
    assert queues.waiting() == 0


def test_a_job_without_checkpoints_is_cancelled_before_its_result_is_stored(
    client: Client, queues: Queues, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A calculation has no progress calls: its checkpoint is storing the result.
    def body(progress: Progress) -> str:
        assert cancel(client, job_id)[1]["status"] == "running"
        return "computed"

    metric_running(monkeypatch, body)
    job_id = launch(client)

    queues.deliver()

    job = store.get_job(job_id)
    assert (job.status, job.result, store.result_of(job)) == ("cancelled", None, None)
    assert record(client, job_id)["status"] == "cancelled"


def test_a_second_cancel_while_running_changes_nothing(client: Client, aws: None) -> None:
    job_id = launch(client)
    store.claim(job_id, 0, lease_seconds=300)
    assert cancel(client, job_id) == (202, {"id": job_id, "status": "running"})
    first = store.get_job(job_id).cancel_requested_at

    assert cancel(client, job_id) == (202, {"id": job_id, "status": "running"})
    assert store.get_job(job_id).cancel_requested_at == first


def test_a_cancel_that_loses_the_race_to_a_claim_waits_for_the_checkpoint(
    client: Client, queues: Queues, monkeypatch: pytest.MonkeyPatch, metric_calls: list[str]
) -> None:
    # The cancel reads the job queued; a worker claims it before the cancel's write lands.
    job_id = launch(client)
    real_get_job = store.get_job
    claimed: list[bool] = []

    def get_job_then_claim(wanted: str) -> Job:
        job = real_get_job(wanted)
        if not claimed:
            claimed.append(store.claim(wanted, 0, lease_seconds=300).outcome is store.ClaimOutcome.CLAIMED)
        return job

    monkeypatch.setattr(store, "get_job", get_job_then_claim)
    answer = store.cancel(job_id)
    monkeypatch.undo()

    assert claimed == [True]
    assert answer.status == "running"
    assert answer.cancel_requested_at is not None
    job = store.get_job(job_id)
    assert not store.succeed(job, 1, "too late", 0.1)  # its worker's result is refused
    assert store.cancelled(job, 1)
    assert store.get_job(job_id).status == "cancelled"


def test_a_job_whose_worker_died_after_the_cancel_request_ends_cancelled_on_redelivery(
    client: Client, queues: Queues, monkeypatch: pytest.MonkeyPatch, metric_calls: list[str]
) -> None:
    job_id = launch(client)
    store.claim(job_id, 0, lease_seconds=60)  # a worker holds it...
    assert cancel(client, job_id)[1]["status"] == "running"  # ...the cancel is requested, then it dies
    later = clock.now() + timedelta(seconds=61)
    monkeypatch.setattr(clock, "now", lambda: later)
    queues.retry_at_once()

    drain(queues)  # the message comes back once the lease is over

    job = store.get_job(job_id)
    assert (job.status, job.attempts, metric_calls) == ("cancelled", 1, [])
    assert queues.waiting() == 0


def test_a_cancel_after_the_lease_is_over_ends_the_job_at_once(client: Client, aws: None) -> None:
    job_id = launch(client)
    store.claim(job_id, 0, lease_seconds=-1)  # claimed, and its worker died

    assert cancel(client, job_id) == (202, {"id": job_id, "status": "cancelled"})


def test_the_sweeper_ends_a_job_whose_worker_died_after_the_cancel_request(
    client: Client, queues: Queues, monkeypatch: pytest.MonkeyPatch
) -> None:
    job_id = launch(client)
    store.claim(job_id, 0, lease_seconds=60)
    cancel(client, job_id)
    queues.sqs.purge_queue(QueueUrl=queues.url(get_settings().jobs_queue))  # and its message was lost

    swept = sweeper.sweep(clock.now() + timedelta(seconds=get_settings().sweep_grace_seconds + 120))

    assert swept.cancelled == [job_id]
    assert swept.resent == []
    assert store.get_job(job_id).status == "cancelled"


@pytest.mark.parametrize(
    "stop",
    [ContinueLater("slice done"), RetryableJobError("upstream busy")],
    ids=["a-slice-ends-without-a-next-message", "a-transient-error-is-not-released"],
)
def test_a_run_that_stops_after_a_cancel_request_ends_the_job_cancelled(
    client: Client, queues: Queues, monkeypatch: pytest.MonkeyPatch, stop: Exception
) -> None:
    """A slice that ends, or a transient error, after a cancel request: the job ends cancelled, with
    no next slice and no retry (messages made visible again at once, so a retry would show)."""

    def body(progress: Progress) -> str:
        cancel(client, job_id)
        raise stop

    calls = metric_running(monkeypatch, body)
    queues.retry_at_once()
    job_id = launch(client)

    drain(queues)

    assert calls == ["run"]
    assert store.get_job(job_id).status == "cancelled"
    assert queues.waiting() == 0


# -- retry


def test_a_failed_job_runs_again_under_its_id_and_its_past_run_stays_visible(
    client: Client, queues: Queues, monkeypatch: pytest.MonkeyPatch
) -> None:
    outcomes = [ValueError("first time unlucky")]

    def body(progress: Progress) -> str:
        if outcomes:
            raise outcomes.pop()
        return "2"  # the second run's: digits, as a metric's result is (answers are checked against the document)

    metric_running(monkeypatch, body)
    job_id = launch(client)
    drain(queues)
    failed = record(client, job_id)
    assert failed["status"] == "failed"

    assert retry(client, job_id) == (202, {"id": job_id, "status": "queued"})
    queued = record(client, job_id)
    assert queued["status"] == "queued"
    assert "error" not in queued
    assert queued["finished_at"] is None
    drain(queues)

    job = record(client, job_id)
    assert (job["status"], job["attempts"]) == ("succeeded", 2)
    assert json.loads(client.http.get(f"/get_result?job_id={job_id}").body)["result"] == "2"
    assert job["history"] == [
        {
            "attempts": 1,
            "status": "failed",
            "error": "ValueError: first time unlucky",
            "started_at": failed["started_at"],
            "finished_at": failed["finished_at"],
            "duration": failed["duration"],
            "dead_lettered_at": None,
        }
    ]


def test_a_cancelled_job_can_be_retried(client: Client, queues: Queues, metric_calls: list[str]) -> None:
    job_id = launch(client)
    cancel(client, job_id)
    drain(queues)

    assert retry(client, job_id)[0] == 202
    drain(queues)

    job = record(client, job_id)
    assert (job["status"], job["cancel_requested_at"], metric_calls) == ("succeeded", None, ["run"])
    assert [run["status"] for run in job["history"]] == ["cancelled"]


@pytest.mark.parametrize("state", ["queued", "running", "succeeded"])
def test_only_a_failed_or_cancelled_job_can_be_retried(
    client: Client, queues: Queues, metric_calls: list[str], state: str
) -> None:
    job_id = launch(client)
    if state == "running":
        store.claim(job_id, 0, lease_seconds=300)
    elif state == "succeeded":
        drain(queues)

    code, answer = retry(client, job_id)

    assert code == 409
    assert answer["Message"].startswith("job_id:")
    assert state in answer["Message"]


def test_two_retries_at_once_queue_the_job_once(client: Client, queues: Queues, metric_calls: list[str]) -> None:
    job_id = launch(client)
    store.give_up(job_id, 0, "lost")
    inner: list[Job] = []

    # The second retry lands between the first one's read and its write.
    with pytest.raises(Conflict):
        store.retry(job_id, prepare=lambda job: inner.append(redrive.retry(job_id)) if not inner else None)
    drain(queues)

    job = store.get_job(job_id)
    assert (job.status, job.attempts, metric_calls, len(job.history or [])) == ("succeeded", 1, ["run"], 1)


def test_an_old_message_delivered_after_a_retry_is_stale(
    client: Client, queues: Queues, metric_calls: list[str]
) -> None:
    job_id = launch(client)
    store.give_up(job_id, 0, "lost")  # its first message (token 0) is still in the queue
    retry(client, job_id)  # a second message, token 1

    drain(queues)

    job = store.get_job(job_id)
    assert (job.status, job.seq, job.attempts, metric_calls) == ("succeeded", 1, 1, ["run"])
    assert queues.waiting() == 0


def test_a_retry_whose_message_cannot_be_sent_fails_the_job_again(
    client: Client, queues: Queues, metric_calls: list[str]
) -> None:
    job_id = launch(client)
    store.give_up(job_id, 0, "lost")
    queues.sqs.delete_queue(QueueUrl=queues.url(get_settings().jobs_queue))

    code, answer = retry(client, job_id)

    assert code == 503
    assert "queue" in answer["Message"]
    job = record(client, job_id)
    assert job["status"] == "failed"
    assert job["error"].startswith("could not be queued again")


def test_resend_unknown_is_for_imports_only(client: Client, aws: None) -> None:
    job_id = launch(client)
    store.give_up(job_id, 0, "lost")

    code, answer = retry(client, job_id, {"resend_unknown": True})

    assert code == 400
    assert answer["Message"].startswith("resend_unknown:")
    assert retry(client, job_id, {"resend_unknown": "yes"})[0] == 400
    assert store.get_job(job_id).status == "failed"


# -- dead letters


def test_a_dead_lettered_job_is_shown_as_such_and_can_be_redriven(
    client: Client, queues: Queues, monkeypatch: pytest.MonkeyPatch, metric_calls: list[str]
) -> None:
    job_id = launch(client)
    queues.retry_at_once()
    with monkeypatch.context() as patch:
        patch.setattr(store, "claim", lambda *args, **kwargs: (_ for _ in ()).throw(RuntimeError("DynamoDB down")))
        for _ in range(get_settings().max_receive_count + 1):
            queues.deliver()
    assert queues.deliver(get_settings().jobs_dlq) == 1

    dead = record(client, job_id)
    assert dead["status"] == "failed"
    assert dead["dead_lettered_at"] is not None
    assert dead["error"] == "gave up: its message was delivered 3 times without finishing"

    assert retry(client, job_id)[0] == 202
    drain(queues)

    job = record(client, job_id)
    assert (job["status"], job["dead_lettered_at"], metric_calls) == ("succeeded", None, ["run"])
    assert job["history"][0]["dead_lettered_at"] == dead["dead_lettered_at"]


def test_a_dead_letter_naming_no_job_is_logged_with_its_body(queues: Queues, caplog: pytest.LogCaptureFixture) -> None:
    dlq = queues.url(get_settings().jobs_dlq)
    queues.sqs.send_message(QueueUrl=dlq, MessageBody="not json: the body a person must see")

    with caplog.at_level(logging.ERROR, logger=worker.__name__):
        assert queues.deliver(get_settings().jobs_dlq) == 1

    assert any(
        record.levelno == logging.ERROR and "not json: the body a person must see" in record.getMessage()
        for record in caplog.records
    )


# -- imports


ROWS = b"userId,title,body\n" + b"".join(b"%d,title %d,body\n" % (n, n) for n in range(1, 7))


@pytest.fixture
def posts_api(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakePostsApi]:
    with FakePostsApi(hang=2.5) as api:
        monkeypatch.setenv("POSTS_API_URL", api.url)
        monkeypatch.setenv("POSTS_PER_SECOND", "50")
        get_settings.cache_clear()
        yield api
    get_settings.cache_clear()


def sent_titles(api: FakePostsApi) -> list[str]:
    return [call["body"]["title"] for call in api.calls()]


def test_a_running_import_stops_sending_at_the_row_after_the_cancel(
    client: Client, queues: Queues, posts_api: FakePostsApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(worker, "PROGRESS_INTERVAL", 0)  # a checkpoint after every row
    real_send = posts_api_client.send

    def send(*args: Any, **kwargs: Any) -> posts_api_client.Outcome:
        outcome = real_send(*args, **kwargs)
        if len(posts_api.calls()) == 2:
            assert cancel(client, job_id)[1]["status"] == "running"
        return outcome

    monkeypatch.setattr(posts_api_client, "send", send)
    job_id = json.loads(upload(client, ROWS).body)["id"]

    drain(queues)

    assert sent_titles(posts_api) == ["title 1", "title 2"]
    answer = status(client, job_id)
    assert (answer["status"], answer["rows_sent"], answer["rows_in"]) == ("cancelled", 2, 2)
    assert [row["result"] for row in results(client, job_id)["results"]] == ["ok", "ok"]  # what it sent stays


def test_a_paused_import_is_cancelled_at_once_and_its_next_slice_never_runs(
    client: Client, queues: Queues, posts_api: FakePostsApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IMPORT_SLICE_SECONDS", "0")  # one row a slice, each in its own message
    get_settings.cache_clear()
    job_id = json.loads(upload(client, ROWS).body)["id"]
    assert queues.deliver() == 1
    assert store.get_job(job_id).status == "queued"  # between slices

    assert cancel(client, job_id)[1]["status"] == "cancelled"
    drain(queues)

    assert sent_titles(posts_api) == ["title 1"]
    assert queues.waiting() == 0


def test_an_import_retry_sends_only_the_rows_not_yet_sent(
    client: Client, queues: Queues, posts_api: FakePostsApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IMPORT_SLICE_SECONDS", "0")
    get_settings.cache_clear()
    posts_api.script([201, "timeout", 201])  # row 2's post is created, its answer lost: unknown
    job_id = json.loads(upload(client, ROWS).body)["id"]
    for _ in range(3):
        queues.deliver()
    cancel(client, job_id)
    drain(queues)
    assert sent_titles(posts_api) == ["title 1", "title 2", "title 3"]

    assert retry(client, job_id) == (202, {"id": job_id, "status": "queued"})
    drain(queues)

    assert sent_titles(posts_api) == ["title 1", "title 2", "title 3", "title 4", "title 5", "title 6"]
    answer = status(client, job_id)
    assert answer["status"] == "succeeded"
    assert (answer["rows_in"], answer["rows_sent"], answer["rows_unknown"]) == (6, 5, 1)


def test_an_import_retry_sends_the_unknown_rows_again_only_when_asked(
    client: Client, queues: Queues, posts_api: FakePostsApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IMPORT_SLICE_SECONDS", "0")
    get_settings.cache_clear()
    posts_api.script([201, "timeout", 201])
    job_id = json.loads(upload(client, ROWS).body)["id"]
    for _ in range(3):
        queues.deliver()
    cancel(client, job_id)
    drain(queues)

    assert retry(client, job_id, {"resend_unknown": True})[0] == 202
    marked = results(client, job_id)["results"][1]
    assert marked["result"] == "error"
    assert marked["outcome_unknown"] is True
    drain(queues)

    titles = sent_titles(posts_api)
    assert titles[:3] == ["title 1", "title 2", "title 3"]
    assert sorted(titles[3:]) == ["title 2", "title 4", "title 5", "title 6"]  # row 2 once more, no other
    answer = status(client, job_id)
    counters = (answer["rows_in"], answer["rows_sent"], answer["rows_failed"], answer["rows_unknown"])
    assert (answer["status"], counters) == ("succeeded", (6, 6, 0, 0))
    assert [row["result"] for row in results(client, job_id)["results"]] == ["ok"] * 6


def test_a_throttled_marking_of_unknown_rows_is_a_503_and_a_later_retry_sends_them(
    client: Client, queues: Queues, posts_api: FakePostsApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IMPORT_SLICE_SECONDS", "0")
    get_settings.cache_clear()
    posts_api.script(["timeout", 201])  # row 1: unknown
    job_id = json.loads(upload(client, ROWS).body)["id"]
    for _ in range(2):
        queues.deliver()
    cancel(client, job_id)
    drain(queues)
    with monkeypatch.context() as patch:
        error = UpdateError("Failed to update item", throttled())
        patch.setattr(ledger, "mark_for_resend", lambda import_id: (_ for _ in ()).throw(error))

        code, answer = retry(client, job_id, {"resend_unknown": True})

    assert code == 503
    assert "try again" in answer["Message"]
    assert record(client, job_id)["status"] == "cancelled"  # not queued: nothing half done
    assert retry(client, job_id, {"resend_unknown": True})[0] == 202
    drain(queues)
    assert sorted(sent_titles(posts_api)) == sorted(["title 1"] + [f"title {n}" for n in range(1, 7)])
    assert status(client, job_id)["rows_unknown"] == 0


def test_a_throttled_checkpoint_after_a_cancel_is_skipped_and_the_next_one_stops_the_job(
    client: Client, queues: Queues, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(worker, "PROGRESS_INTERVAL", 0)
    throttle_progress_once(monkeypatch)
    steps: list[float] = []

    def body(progress: Progress) -> str:
        cancel(client, job_id)
        for fraction in (0.25, 0.5, 0.75):
            steps.append(fraction)
            progress(fraction)
        return "never stored"

    metric_running(monkeypatch, body)
    job_id = launch(client)

    queues.deliver()

    assert steps == [0.25, 0.5]
    assert store.get_job(job_id).status == "cancelled"


# -- reports


def test_a_report_stops_between_its_passes_and_uploads_no_totals(
    client: Client, queues: Queues, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(worker, "PROGRESS_INTERVAL", 0)
    real_aggregate = aggregation.aggregate
    passes: list[str] = []

    def aggregate(*args: Any, **kwargs: Any) -> Any:
        passes.append("aggregate")
        assert cancel(client, report_id)[1]["status"] == "running"  # cancelled after the download
        return real_aggregate(*args, **kwargs)

    monkeypatch.setattr(report_kind, "aggregate", aggregate)
    response = upload_plays(client, PLAYS)
    report_id = json.loads(response.body)["id"]

    drain(queues)

    job = store.get_job(report_id)
    assert (passes, job.status, store.result_of(job)) == (["aggregate"], "cancelled", None)
    listed = clients.s3().list_objects_v2(Bucket=get_settings().bucket, Prefix="results/")
    assert listed.get("KeyCount", 0) == 0  # no totals uploaded


def test_a_cancel_whose_write_stays_throttled_is_a_503_and_changes_nothing(
    client: Client, aws: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    job_id = launch(client)
    error = UpdateError("Failed to update item", throttled())
    monkeypatch.setattr(Job, "update", lambda *args, **kwargs: (_ for _ in ()).throw(error))

    code, answer = cancel(client, job_id)

    monkeypatch.undo()
    assert code == 503
    assert "try again" in answer["Message"]
    assert store.get_job(job_id).status == "queued"
