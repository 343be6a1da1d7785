"""The sweeper (a scheduled Lambda): jobs whose message was lost are sent again, then failed with a
reason; healthy jobs are left alone. Time is moved by hand (``clock.now``), never slept."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from chalice.test import Client

from app import sweep_jobs
from chalicelib import clock
from chalicelib.config import get_settings
from chalicelib.jobs import store
from chalicelib.jobs.kind import Params, Progress
from chalicelib.jobs.model import Job
from chalicelib.jobs.registry import KINDS
from tests.functional.delivery import Queues

SCHEDULED_EVENT = {
    "version": "0",
    "id": "e1",
    "detail-type": "Scheduled Event",
    "source": "aws.events",
    "account": "123456789012",
    "time": "2026-12-01T00:00:00Z",
    "region": "us-east-1",
    "resources": ["arn:aws:events:us-east-1:123456789012:rule/sweep"],
    "detail": {},
}


class Context:
    def get_remaining_time_in_millis(self) -> int:
        return 60_000


@pytest.fixture
def runs(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    calls: list[str] = []

    def run(params: Params, progress: Progress) -> str:
        calls.append("run")
        return "swept and done"

    monkeypatch.setitem(KINDS, "metric", replace(KINDS["metric"], run=run))
    monkeypatch.setattr(Job, "scan", None)  # the sweeper reads an index, never the whole table
    yield calls


def sweep_at(monkeypatch: pytest.MonkeyPatch, moment: datetime) -> None:
    """Run the scheduled sweep as EventBridge would, at ``moment``."""
    with monkeypatch.context() as patch:
        patch.setattr(clock, "now", lambda: moment)
        sweep_jobs(SCHEDULED_EVENT, Context())


def grace() -> timedelta:
    return timedelta(seconds=get_settings().sweep_grace_seconds)


def purge(queues: Queues) -> None:
    """The message is lost (expired, or dropped by a fault)."""
    url = queues.url(get_settings().jobs_queue)
    for message in queues.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        queues.sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


def test_a_job_written_but_never_queued_is_sent_by_the_sweeper(
    client: Client, queues: Queues, monkeypatch: pytest.MonkeyPatch, runs: list[str]
) -> None:
    # The API wrote the record, then died before sending the message.
    job = store.new_job(KINDS["metric"], {})
    written = clock.parse_iso(job.created_at)

    sweep_at(monkeypatch, written + grace() / 2)
    assert queues.waiting() == 0  # not due yet: a queued job may wait a while

    sweep_at(monkeypatch, written + grace() + timedelta(seconds=1))
    assert queues.deliver() == 1

    final = store.get_job(job.id)
    assert (final.status, store.result_of(final), runs) == ("succeeded", "swept and done", ["run"])


def test_a_job_whose_message_keeps_getting_lost_fails_with_a_reason(
    client: Client, queues: Queues, monkeypatch: pytest.MonkeyPatch, runs: list[str]
) -> None:
    job = store.new_job(KINDS["metric"], {})
    moment = clock.parse_iso(job.created_at)
    resends = get_settings().sweep_max_resends

    for _ in range(resends + 1):
        moment += grace() + timedelta(seconds=1)
        sweep_at(monkeypatch, moment)
        purge(queues)

    final = store.get_job(job.id)
    assert final.status == "failed"
    assert runs == []
    assert final.error == f"gave up: its message was lost; sent again {resends} times and no worker finished it"


def test_a_running_job_whose_worker_and_message_vanished_is_sent_again(
    client: Client, queues: Queues, monkeypatch: pytest.MonkeyPatch, runs: list[str]
) -> None:
    job = store.new_job(KINDS["metric"], {})
    claimed = store.claim(job.id, 0, lease_seconds=60)
    assert claimed.job is not None
    assert claimed.job.lease_until is not None
    lease_end = clock.parse_iso(claimed.job.lease_until)

    sweep_at(monkeypatch, lease_end + grace() / 2)
    assert queues.waiting() == 0  # the queue would redeliver a message first

    sweep_at(monkeypatch, lease_end + grace() + timedelta(seconds=1))
    with monkeypatch.context() as patch:
        patch.setattr(clock, "now", lambda: lease_end + grace() + timedelta(seconds=2))
        assert queues.deliver() == 1

    final = store.get_job(job.id)
    assert (final.status, final.attempts, runs) == ("succeeded", 2, ["run"])


def test_a_healthy_job_is_left_alone_and_a_needless_resend_runs_nothing_twice(
    client: Client, queues: Queues, monkeypatch: pytest.MonkeyPatch, runs: list[str]
) -> None:
    response = client.http.post("/launch")
    assert response.status_code == 202
    [job] = [store.get_job(job.id) for job in Job.by_kind.query("metric")]
    # Its message was received but not yet run (a throttled invocation, say): the sweeper cannot
    # tell it from a lost one, and sends another.
    url = queues.url(get_settings().jobs_queue)
    [held] = queues.sqs.receive_message(QueueUrl=url, VisibilityTimeout=600)["Messages"]
    sweep_at(monkeypatch, clock.parse_iso(job.created_at) + grace() + timedelta(seconds=1))
    queues.sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=held["ReceiptHandle"], VisibilityTimeout=0)
    assert queues.waiting() == 2

    queues.drain()

    final = store.get_job(job.id)
    assert (final.status, final.attempts, runs) == ("succeeded", 1, ["run"])
    sweep_at(monkeypatch, clock.now() + 10 * grace())  # a finished job is no longer swept
    assert queues.waiting() == 0


def test_a_queued_job_waiting_behind_a_backlog_is_neither_sent_again_nor_failed(
    client: Client, queues: Queues, monkeypatch: pytest.MonkeyPatch, runs: list[str]
) -> None:
    # 20 workers busy for an hour: messages wait in the queue longer than the grace period. The
    # job's message may be among them, so it is not lost: the sweeper waits for the queue to drain.
    for _ in range(3):
        assert client.http.post("/launch").status_code == 202
    job = store.new_job(KINDS["metric"], {})  # and one whose message was lost
    moment = clock.parse_iso(job.created_at)

    for _ in range(get_settings().sweep_max_resends + 2):
        moment += grace() + timedelta(seconds=1)
        sweep_at(monkeypatch, moment)
    assert store.get_job(job.id).status == "queued"
    assert queues.waiting() == 3

    queues.drain()  # the backlog drains; the lost message is sent again at the next sweep
    sweep_at(monkeypatch, moment + timedelta(seconds=1))
    assert queues.deliver() == 1

    assert store.get_job(job.id).status == "succeeded"
    assert len(runs) == 4
