"""The metric job end to end in-process: /launch, the queue, the worker (as the local Lambda runner
calls it), /get_result; and the job state machine under duplicate delivery, failure and the DLQ."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, ReadTimeoutError
from chalice.test import Client
from pynamodb.exceptions import UpdateError

from app import run_jobs
from chalicelib import clock
from chalicelib.config import get_settings
from chalicelib.errors import ContinueLater, RetryableJobError
from chalicelib.jobs import results, store
from chalicelib.jobs.kind import Params, Progress
from chalicelib.jobs.model import Job
from chalicelib.jobs.registry import KINDS
from infra.local.lambda_runner import to_record
from tests.functional.delivery import Queues, job_messages
from tests.lost_answers import lose_answer_once


@pytest.fixture
def metric_calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Replace the metric's computation with one that records each call and returns its number N as
    digits, as a metric's result is (``/get_result`` answers only what its document allows)."""
    calls: list[str] = []

    def run(params: Params, progress: Progress) -> str:
        calls.append("run")
        return str(len(calls))

    monkeypatch.setitem(KINDS, "metric", replace(KINDS["metric"], run=run))
    yield calls


def failing_metric(monkeypatch: pytest.MonkeyPatch, error: Exception) -> list[str]:
    calls: list[str] = []

    def run(params: Params, progress: Progress) -> Any:
        calls.append("run")
        raise error

    monkeypatch.setitem(KINDS, "metric", replace(KINDS["metric"], run=run))
    return calls


def launch(client: Client, body: dict[str, Any] | None = None) -> str:
    response = client.http.post(
        "/launch", body=json.dumps(body) if body is not None else "", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 202, response.body
    return str(json.loads(response.body)["job_id"])


def released_after_one_delivery(client: Client, queues: Queues) -> Job:
    """Launch a metric job (messages visible again at once) and deliver it once: its run failed
    transiently, so the job is queued again, released for the next delivery."""
    queues.retry_at_once()
    job_id = launch(client)
    assert store.get_job(job_id).status == "queued"
    queues.deliver()
    job = store.get_job(job_id)
    assert job.status == "queued"  # released for the next delivery
    return job


def result_of(client: Client, job_id: str) -> dict[str, Any]:
    response = client.http.get(f"/get_result?job_id={job_id}")
    assert response.status_code == 200
    return dict(json.loads(response.body))


def test_a_launched_metric_is_queued_then_computed_exactly(client: Client, queues: Queues) -> None:
    job_id = launch(client)
    assert result_of(client, job_id) == {"job_id": job_id, "status": "queued", "result": None}

    assert queues.deliver() == 1

    answer = result_of(client, job_id)
    assert answer["status"] == "succeeded"
    assert answer["result"].isdigit()
    # The expected value is sum(i*i for i < 10**7) / 2 ~ 1.67e20; its spread is ~1e17.
    assert abs(int(answer["result"]) - 166_666_658_333_333_500_000) < 10**18
    assert queues.waiting() == 0


def test_the_job_record_shows_the_lifecycle(client: Client, queues: Queues) -> None:
    job_id = launch(client, {"name": "nightly metric"})
    queues.deliver()
    job = json.loads(client.http.get(f"/jobs/{job_id}").body)
    assert job["kind"] == "metric"
    assert job["name"] == "nightly metric"
    assert job["status"] == "succeeded"
    assert job["attempts"] == 1
    assert job["progress"] == 1
    assert job["duration"] > 0
    assert job["created_at"] <= job["started_at"] <= job["finished_at"]
    assert job["finished_at"].endswith("Z")


def test_answers_show_times_as_the_record_stores_them_to_the_millisecond(client: Client, queues: Queues) -> None:
    """The answer models hold times as datetimes; they must still be sent as stored (``clock.iso``),
    not as pydantic writes them (microseconds)."""
    job_id = launch(client)
    queues.deliver()
    record = store.get_job(job_id)
    job = json.loads(client.http.get(f"/jobs/{job_id}").body)
    for name in ("created_at", "started_at", "finished_at"):
        assert job[name] == getattr(record, name), name
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", job["created_at"]), job["created_at"]


def test_a_job_record_expires_after_the_retention_period(client: Client, queues: Queues) -> None:
    """DynamoDB's time to live (on ``expires_at``, infra/resources.py) deletes old job records."""
    job_id = launch(client)
    days = get_settings().retention_days
    assert days == 30
    expires_at = Job.get(job_id).expires_at
    assert expires_at is not None
    assert abs(expires_at - (time.time() + days * 86_400)) < 60


@pytest.mark.parametrize(
    ("body", "field"),
    [('{"n": 5}', "n"), ("{not json", "body"), ("[1, 2]", "body"), ('{"name": ""}', "name"), ('{"name": 7}', "name")],
)
def test_launch_rejects_bad_bodies_naming_the_field(client: Client, body: str, field: str) -> None:
    response = client.http.post("/launch", body=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert json.loads(response.body)["Message"].startswith(f"{field}:")


def test_unknown_and_missing_job_ids(client: Client) -> None:
    missing = client.http.get("/get_result")
    assert missing.status_code == 400
    assert "job_id" in json.loads(missing.body)["Message"]
    for path in ("/get_result?job_id=0123456789abcdef", "/jobs/0123456789abcdef"):
        response = client.http.get(path)
        assert response.status_code == 404
        assert "0123456789abcdef" in json.loads(response.body)["Message"]


def test_a_duplicate_delivery_never_runs_a_finished_job_again(
    client: Client, queues: Queues, metric_calls: list[str]
) -> None:
    job_id = launch(client)
    queues.sqs.send_message(QueueUrl=queues.url(get_settings().jobs_queue), MessageBody=json.dumps({"job_id": job_id}))

    queues.drain()

    assert metric_calls == ["run"]
    assert result_of(client, job_id)["result"] == "1"
    assert store.get_job(job_id).attempts == 1
    assert queues.waiting() == 0


def test_a_delivery_while_another_runs_the_job_is_retried_later(
    client: Client, queues: Queues, metric_calls: list[str]
) -> None:
    job_id = launch(client)
    store.claim(job_id, 0, lease_seconds=300)  # another worker holds it

    queues.deliver()

    assert metric_calls == []
    assert queues.waiting() == 1  # not acknowledged: it comes back after the visibility timeout
    assert store.get_job(job_id).status == "running"


def test_a_job_whose_worker_died_is_run_again_after_its_lease(
    client: Client, queues: Queues, metric_calls: list[str]
) -> None:
    job_id = launch(client)
    store.claim(job_id, 0, lease_seconds=-1)  # a worker claimed it and vanished

    queues.deliver()

    job = store.get_job(job_id)
    assert (job.status, job.attempts, store.result_of(job)) == ("succeeded", 2, "1")


def test_a_worker_that_lost_its_claim_cannot_store_a_second_result(aws: None) -> None:
    job = store.new_job(KINDS["metric"], {})
    stale = store.claim(job.id, 0, lease_seconds=-1)
    current = store.claim(job.id, 0, lease_seconds=60)
    assert stale.job is not None
    assert current.job is not None
    assert (stale.attempt, current.attempt) == (1, 2)

    assert store.succeed(current.job, current.attempt, "from attempt 2", 0.1)
    assert not store.succeed(stale.job, stale.attempt, "from attempt 1", 0.1)
    assert not store.fail(stale.job, stale.attempt, "late failure")

    final = store.get_job(job.id)
    assert (final.status, store.result_of(final)) == ("succeeded", "from attempt 2")


def test_an_exception_fails_the_job_with_its_error_and_is_not_retried(
    client: Client, queues: Queues, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = failing_metric(monkeypatch, ValueError("the coin landed on its edge"))
    queues.retry_at_once()
    job_id = launch(client)

    queues.deliver()
    queues.deliver()

    answer = result_of(client, job_id)
    assert answer == {
        "job_id": job_id,
        "status": "failed",
        "result": None,
        "error": "ValueError: the coin landed on its edge",
    }
    assert calls == ["run"]
    assert queues.waiting() == 0


def test_a_transient_error_is_retried_then_fails_on_the_last_delivery(
    client: Client, queues: Queues, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = failing_metric(monkeypatch, RetryableJobError("upstream busy"))
    job_id = released_after_one_delivery(client, queues).id
    queues.drain()

    job = store.get_job(job_id)
    assert len(calls) == get_settings().max_receive_count
    assert job.status == "failed"
    assert job.error == "gave up after 3 attempts: upstream busy"


def test_a_message_that_keeps_failing_lands_in_the_dlq_and_its_job_fails(
    client: Client, queues: Queues, monkeypatch: pytest.MonkeyPatch
) -> None:
    job_id = launch(client)
    queues.retry_at_once()
    with monkeypatch.context() as patch:
        patch.setattr(store, "claim", lambda *args, **kwargs: (_ for _ in ()).throw(RuntimeError("DynamoDB down")))
        for _ in range(get_settings().max_receive_count):
            assert queues.deliver() == 1
        assert queues.deliver() == 0  # the next receive moves it to the dead-letter queue

    assert queues.waiting() == 0
    assert queues.waiting(get_settings().jobs_dlq) == 1
    assert store.get_job(job_id).status == "queued"

    assert queues.deliver(get_settings().jobs_dlq) == 1

    job = store.get_job(job_id)
    assert job.status == "failed"
    assert job.error == "gave up: its message was delivered 3 times without finishing"
    assert queues.waiting(get_settings().jobs_dlq) == 0


def test_the_handler_reports_only_the_failed_messages_of_a_batch(client: Client, metric_calls: list[str]) -> None:
    ready, busy = launch(client), launch(client)
    store.claim(busy, 0, lease_seconds=300)
    event = job_messages(client, get_settings().jobs_queue, ready, busy)

    response = client.lambda_.invoke("run_jobs", event)

    assert response.payload == {"batchItemFailures": [{"itemIdentifier": "message-1"}]}
    assert store.get_job(ready).status == "succeeded"


def test_a_message_naming_no_job_is_dropped(queues: Queues) -> None:
    url = queues.url(get_settings().jobs_queue)
    queues.sqs.send_message(QueueUrl=url, MessageBody="not json")
    queues.sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"job_id": "does-not-exist"}))
    queues.drain()
    assert queues.waiting() == 0


def test_a_job_that_cannot_be_queued_is_failed_not_left_queued(client: Client, queues: Queues) -> None:
    queues.sqs.delete_queue(QueueUrl=queues.url(get_settings().jobs_queue))

    response = client.http.post("/launch")

    assert response.status_code == 503
    assert "queue" in json.loads(response.body)["Message"]
    [job] = list(Job.scan())
    assert job.status == "failed"
    assert (job.error or "").startswith("could not be queued")


def aws_error(code: str, status: int, operation: str = "GetObject") -> ClientError:
    response: Any = {"Error": {"Code": code, "Message": "from AWS"}, "ResponseMetadata": {"HTTPStatusCode": status}}
    return ClientError(response, operation)


def throttled(operation: str = "UpdateItem") -> ClientError:
    return aws_error("ProvisionedThroughputExceededException", 400, operation)


def throttle_progress_once(monkeypatch: pytest.MonkeyPatch) -> list[UpdateError]:
    """The next progress write is throttled, later ones go through; the error not raised yet
    (empty once it was)."""
    real_progress = store.set_progress
    throttle_once = [UpdateError("Failed to update item", throttled())]

    def set_progress(job: Job, attempt: int, fraction: float) -> bool:
        if throttle_once:
            raise throttle_once.pop()
        return real_progress(job, attempt, fraction)

    monkeypatch.setattr(store, "set_progress", set_progress)
    return throttle_once


def test_a_throttled_write_inside_a_job_releases_it_and_the_next_delivery_finishes_it(
    client: Client, queues: Queues, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The job's own write (a ledger or limiter write) throttled once, PynamoDB wrapping botocore's
    # error: the job is not failed for good, it goes back to queued and the redelivery computes it.
    throttle_once = [UpdateError("Failed to update item", throttled())]

    def run(params: Params, progress: Progress) -> str:
        if throttle_once:
            raise throttle_once.pop()
        return "done"

    monkeypatch.setitem(KINDS, "metric", replace(KINDS["metric"], run=run))
    job = released_after_one_delivery(client, queues)
    assert "ProvisionedThroughputExceededException" in (job.error or "")
    queues.deliver()

    job = store.get_job(job.id)
    assert (job.status, job.attempts, store.result_of(job)) == ("succeeded", 2, "done")
    assert queues.waiting() == 0


def test_a_throttled_result_write_releases_the_job_too(
    client: Client, queues: Queues, monkeypatch: pytest.MonkeyPatch, metric_calls: list[str]
) -> None:
    throttle_once = [aws_error("SlowDown", 503, "PutObject")]
    real_store = results.store

    def store_result(job_id: str, result: Any) -> results.StoredResult:
        if throttle_once:
            raise throttle_once.pop()
        return real_store(job_id, result)

    monkeypatch.setattr(results, "store", store_result)
    job_id = released_after_one_delivery(client, queues).id
    queues.deliver()

    job = store.get_job(job_id)
    assert (job.status, job.attempts, store.result_of(job)) == ("succeeded", 2, "2")


def test_a_throttled_progress_write_is_skipped_and_the_job_runs_on(
    client: Client, queues: Queues, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Progress is for people watching: a throttled progress write must not cost the computation.
    throttle_once = throttle_progress_once(monkeypatch)

    def run(params: Params, progress: Progress) -> str:
        progress(0.5)
        return "done"

    monkeypatch.setitem(KINDS, "metric", replace(KINDS["metric"], run=run))
    job_id = launch(client)

    queues.deliver()

    job = store.get_job(job_id)
    assert (job.status, job.attempts, store.result_of(job), throttle_once) == ("succeeded", 1, "done", [])


@pytest.mark.parametrize(
    "error",
    [
        throttled("GetObject"),
        aws_error("SlowDown", 503, "GetObject"),
        aws_error("InternalError", 500, "GetObject"),
        EndpointConnectionError(endpoint_url="http://s3"),
        ReadTimeoutError(endpoint_url="http://s3"),
    ],
    ids=["throttled", "slow-down", "internal-error", "no-connection", "read-timeout"],
)
def test_transient_aws_errors_are_retried_and_fail_with_a_reason_on_the_last_delivery(
    client: Client, queues: Queues, monkeypatch: pytest.MonkeyPatch, error: Exception
) -> None:
    calls = failing_metric(monkeypatch, error)
    job_id = released_after_one_delivery(client, queues).id
    queues.drain()

    job = store.get_job(job_id)
    assert len(calls) == get_settings().max_receive_count
    assert job.status == "failed"
    assert (job.error or "").startswith("gave up after 3 attempts: ")
    assert queues.waiting() == 0
    assert queues.waiting(get_settings().jobs_dlq) == 0


@pytest.mark.parametrize(
    "error",
    [
        aws_error("AccessDenied", 403, "GetObject"),
        aws_error("ValidationException", 400, "Query"),
    ],
    ids=["access-denied", "validation"],
)
def test_a_permanent_aws_error_fails_the_job_at_once(
    client: Client, queues: Queues, monkeypatch: pytest.MonkeyPatch, error: Exception
) -> None:
    calls = failing_metric(monkeypatch, error)
    queues.retry_at_once()
    job_id = launch(client)

    queues.drain()

    job = store.get_job(job_id)
    assert calls == ["run"]
    assert job.status == "failed"
    assert (job.error or "").startswith("ClientError: ")


def test_one_bad_dead_letter_does_not_hold_back_the_others_of_its_batch(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    unlucky, other = launch(client), launch(client)
    real_give_up = store.give_up

    def give_up(job_id: str, *args: Any, **kwargs: Any) -> bool:
        if job_id == unlucky:
            raise throttled()
        return real_give_up(job_id, *args, **kwargs)

    monkeypatch.setattr(store, "give_up", give_up)
    event = job_messages(client, get_settings().jobs_dlq, unlucky, other)

    response = client.lambda_.invoke("fail_dead_jobs", event)

    assert response.payload == {"batchItemFailures": [{"itemIdentifier": "message-0"}]}
    assert store.get_job(other).status == "failed"
    assert store.get_job(unlucky).status == "queued"  # its dead letter comes back to be handled again


def test_a_duplicate_message_of_a_sliced_job_never_fails_it(
    client: Client, queues: Queues, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A job in two slices, and a duplicate delivery of its first message. While the second slice
    # runs, the duplicate comes in as often as SQS allows and then reaches the dead-letter queue:
    # it is stale (its slice is done), so it must neither fail the job nor start a second chain.
    dlq = get_settings().jobs_dlq
    slices: list[int] = []

    def run(params: Params, progress: Progress) -> str:
        slices.append(len(slices) + 1)
        if len(slices) == 1:
            raise ContinueLater("first slice done")
        for _ in range(get_settings().max_receive_count + 1):
            queues.deliver()
        queues.deliver(dlq)
        return "both slices"

    monkeypatch.setitem(KINDS, "metric", replace(KINDS["metric"], run=run))
    queues.retry_at_once()
    job_id = launch(client)
    url = queues.url(get_settings().jobs_queue)
    [first] = queues.sqs.receive_message(QueueUrl=url, VisibilityTimeout=0)["Messages"]
    queues.sqs.send_message(QueueUrl=url, MessageBody=first["Body"])  # SQS delivers it twice

    queues.drain()

    job = store.get_job(job_id)
    assert (job.status, store.result_of(job)) == ("succeeded", "both slices")
    assert job.error is None
    assert slices == [1, 2]
    assert queues.waiting() == 0
    assert queues.waiting(dlq) == 0


def test_only_the_current_token_claims_a_job(aws: None) -> None:
    job = store.new_job(KINDS["metric"], {})
    first = store.claim(job.id, 0, lease_seconds=60)
    assert first.job is not None
    assert store.pause(first.job, first.attempt)
    assert first.job.seq == 1

    assert store.claim(job.id, 0, lease_seconds=60).outcome is store.ClaimOutcome.STALE
    assert store.claim(job.id, 1, lease_seconds=60).outcome is store.ClaimOutcome.CLAIMED
    assert store.get_job(job.id).attempts == 2


def test_a_dead_letter_fails_only_an_unattended_job_of_its_token(aws: None) -> None:
    running, stale, lost = (store.new_job(KINDS["metric"], {}) for _ in range(3))
    store.claim(running.id, 0, lease_seconds=300)  # a worker holds it
    paused = store.claim(stale.id, 0, lease_seconds=60)
    assert paused.job is not None
    assert store.pause(paused.job, paused.attempt)  # now at token 1
    store.claim(lost.id, 0, lease_seconds=-1)  # its worker died, its lease is over

    assert not store.give_up(running.id, 0, "dead letter")
    assert not store.give_up(stale.id, 0, "dead letter")
    assert store.give_up(lost.id, 0, "dead letter")

    statuses = [store.get_job(job.id).status for job in (running, stale, lost)]
    assert statuses == ["running", "queued", "failed"]


class Killed(BaseException):
    """Lambda ending an invocation at its timeout: nothing in the handler can catch it."""


class Context:
    """Lambda's context, as much as the worker reads: the time left."""

    def __init__(self, remaining_ms: int) -> None:
        self.remaining_ms = remaining_ms

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


def invoke_run_jobs(queues: Queues, context: Context) -> None:
    """Receive one message and hand it to run_jobs as Lambda would; delete it if it succeeded."""
    url = queues.url(get_settings().jobs_queue)
    [message] = queues.sqs.receive_message(QueueUrl=url, AttributeNames=["All"])["Messages"]
    event = {"Records": [to_record(message, "arn:aws:sqs:us-east-1:123456789012:jobs", "us-east-1")]}
    response = run_jobs(event, context)
    if not response["batchItemFailures"]:
        queues.sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


def test_after_a_crash_the_redelivery_finds_the_lease_over_and_runs_the_job(
    client: Client, queues: Queues, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The worker is killed at its timeout (100 s). SQS delivers the message again when its
    # visibility timeout (120 s) has passed since it was received: the lease must be over by then.
    runs: list[str] = []

    def run(params: Params, progress: Progress) -> str:
        runs.append("run")
        if len(runs) == 1:
            raise Killed
        return "second time lucky"

    monkeypatch.setitem(KINDS, "metric", replace(KINDS["metric"], run=run))
    queues.retry_at_once()
    job_id = launch(client)
    received = clock.now()
    monkeypatch.setattr(clock, "now", lambda: received)
    with pytest.raises(Killed):
        invoke_run_jobs(queues, Context(remaining_ms=100_000))
    assert store.get_job(job_id).status == "running"

    redelivered = received + timedelta(seconds=get_settings().visibility_timeout)
    monkeypatch.setattr(clock, "now", lambda: redelivered)
    invoke_run_jobs(queues, Context(remaining_ms=100_000))

    job = store.get_job(job_id)
    assert (job.status, job.attempts, store.result_of(job)) == ("succeeded", 2, "second time lucky")
    assert queues.waiting() == 0


def test_a_message_that_finds_its_job_busy_comes_back_when_the_lease_ends_not_before(
    client: Client, queues: Queues, metric_calls: list[str]
) -> None:
    job_id = launch(client)
    store.claim(job_id, 0, lease_seconds=300)  # another worker holds it for 5 more minutes
    queues.retry_at_once()  # without more, a message not acknowledged would be back at once

    assert queues.deliver() == 1
    assert queues.deliver() == 0  # hidden until the lease ends: no receive spent for nothing

    assert queues.waiting() == 1
    assert metric_calls == []


def test_a_job_whose_record_write_answer_was_lost_is_still_accepted_and_runs(
    client: Client, queues: Queues, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The record's conditional put landed, its answer was lost, and botocore sent it again: the
    retry's failed condition is our own write, not another job's. Found by ``make chaos``."""
    doubled = lose_answer_once(
        monkeypatch, "PutItem", lambda params: params.get("TableName") == get_settings().jobs_table
    )
    job_id = launch(client)

    assert doubled, "the record's write was not doubled"
    queues.drain()
    assert store.get_job(job_id).status == "succeeded"
