"""``GET /health``: the queues' depths by lane, the dead letters, the oldest queued job's age;
counts only, cheap, and an answer (never a 500) when SQS cannot be reached."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from botocore.exceptions import EndpointConnectionError
from chalice.test import Client

from chalicelib import clock
from chalicelib.aws import clients
from chalicelib.config import get_settings
from tests.functional.delivery import Queues

EMPTY = {"waiting": 0, "in_flight": 0, "delayed": 0}


def health(client: Client) -> dict[str, Any]:
    response = client.http.get("/health")
    assert response.status_code == 200, response.body
    answer: dict[str, Any] = json.loads(response.body)
    return answer


def launch(client: Client) -> str:
    response = client.http.post("/launch", body="{}", headers={"Content-Type": "application/json"})
    assert response.status_code == 202, response.body
    return str(json.loads(response.body)["job_id"])


def test_an_idle_service_shows_empty_queues_and_nothing_waiting(client: Client, queues: Queues) -> None:
    answer = health(client)
    assert answer["status"] == "ok"
    assert answer["stage"] == "local"
    assert answer["queues"] == {"jobs": EMPTY, "imports": EMPTY}
    assert answer["dead_letters"] == EMPTY
    assert answer["oldest_queued_seconds"] is None
    assert answer["unavailable"] == []


def test_a_queued_job_shows_in_its_lane_then_in_flight_with_its_age_and_no_job_data(
    client: Client, queues: Queues, monkeypatch: pytest.MonkeyPatch
) -> None:
    accepted = clock.now()
    monkeypatch.setattr(clock, "now", lambda: accepted)
    job_id = launch(client)
    monkeypatch.setattr(clock, "now", lambda: accepted + timedelta(seconds=90))

    answer = health(client)
    assert answer["queues"]["jobs"] == {"waiting": 1, "in_flight": 0, "delayed": 0}
    assert answer["queues"]["imports"] == EMPTY
    assert answer["oldest_queued_seconds"] == pytest.approx(90, abs=0.01)
    assert job_id not in json.dumps(answer)  # /health is open: counts and an age, no job's data

    url = queues.url(get_settings().jobs_queue)
    assert queues.sqs.receive_message(QueueUrl=url, VisibilityTimeout=60)["Messages"]  # a worker holds it
    assert health(client)["queues"]["jobs"] == {"waiting": 0, "in_flight": 1, "delayed": 0}


def test_the_oldest_queued_job_is_the_first_accepted_and_a_finished_one_no_longer_counts(
    client: Client, queues: Queues, monkeypatch: pytest.MonkeyPatch
) -> None:
    start = clock.now()
    for offset in (0, 30):
        monkeypatch.setattr(clock, "now", lambda offset=offset: start + timedelta(seconds=offset))
        launch(client)
    monkeypatch.setattr(clock, "now", lambda: start + timedelta(seconds=100))
    assert health(client)["oldest_queued_seconds"] == pytest.approx(100, abs=0.01)

    assert queues.deliver() == 1  # the first job runs (one message per batch) and succeeds
    assert health(client)["oldest_queued_seconds"] == pytest.approx(70, abs=0.01)
    assert queues.deliver() == 1
    assert health(client)["oldest_queued_seconds"] is None


def test_delayed_messages_and_dead_letters_are_counted(client: Client, queues: Queues) -> None:
    sqs, settings = queues.sqs, get_settings()
    sqs.send_message(QueueUrl=queues.url(settings.imports_queue), MessageBody="{}", DelaySeconds=600)
    for _ in range(2):
        sqs.send_message(QueueUrl=queues.url(settings.jobs_dlq), MessageBody="{}")
    answer = health(client)
    assert answer["queues"]["imports"] == {"waiting": 0, "in_flight": 0, "delayed": 1}
    assert answer["dead_letters"] == {"waiting": 2, "in_flight": 0, "delayed": 0}


class _Unreachable:
    """An SQS client whose every call fails as when the endpoint cannot be reached."""

    def get_queue_url(self, **kwargs: Any) -> Any:
        raise EndpointConnectionError(endpoint_url="https://sqs.us-east-1.amazonaws.com/")

    get_queue_attributes = get_queue_url


def test_sqs_unreachable_still_answers_200_naming_what_it_could_not_read(
    client: Client, queues: Queues, monkeypatch: pytest.MonkeyPatch
) -> None:
    launch(client)
    monkeypatch.setattr(clients, "sqs_probe", _Unreachable)
    answer = health(client)
    assert answer["status"] == "ok"
    assert answer["queues"] == {"jobs": None, "imports": None}
    assert answer["dead_letters"] is None
    assert answer["unavailable"] == ["jobs", "imports", "dead_letters"]
    assert answer["oldest_queued_seconds"] is not None  # DynamoDB still answers
