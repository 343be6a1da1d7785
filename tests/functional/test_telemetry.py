"""Logs and figures of a job end to end in-process: the API's and the worker's lines name the job
and their request, and the job's finish writes one EMF line."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from chalice.test import Client

from chalicelib.jobs import worker
from chalicelib.telemetry.logs import JsonFormatter
from tests.functional.delivery import Queues


class Lines(logging.Handler):
    """Every record, formatted as the service writes it, parsed back."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.setFormatter(JsonFormatter())
        self.lines: list[dict[str, Any]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(json.loads(self.format(record)))


@pytest.fixture
def lines() -> Iterator[list[dict[str, Any]]]:
    handler, root = Lines(), logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield handler.lines
    root.removeHandler(handler)
    root.setLevel(level)


def emf_lines(out: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.splitlines() if line.startswith('{"_aws"')]


def test_a_jobs_lines_carry_its_id_kind_attempt_and_request_and_its_finish_one_emf_line(
    client: Client, queues: Queues, lines: list[dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    response = client.http.post("/launch", body="{}", headers={"Content-Type": "application/json"})
    job_id = json.loads(response.body)["job_id"]
    launched = [line for line in lines if line["logger"] == "chalicelib.telemetry.http"]
    assert launched[-1]["message"].startswith("POST /launch 202")
    assert launched[-1]["job_id"] == job_id
    assert launched[-1]["kind"] == "metric"
    assert launched[-1]["request_id"]

    assert queues.deliver() == 1
    worker = [line for line in lines if line["logger"].startswith("chalicelib.jobs")]
    assert worker, "the worker logged nothing"
    assert {line["job_id"] for line in worker} == {job_id}
    assert {line["kind"] for line in worker} == {"metric"}
    assert {line["attempt"] for line in worker} == {1}
    assert [line["message"] for line in worker] == [f"job {job_id}: attempt 1 started", f"job {job_id}: succeeded"]
    invocations = {line["request_id"] for line in worker}  # the invocation's, not the API request's
    assert len(invocations) == 1
    assert launched[-1]["request_id"] not in invocations

    client.http.get(f"/jobs/{job_id}")
    assert lines[-1]["job_id"] == job_id
    assert lines[-1]["message"].startswith("GET /jobs/{job_id} 200")

    emf = emf_lines(capsys.readouterr().out)
    assert [(line["job_id"], line["kind"], line["status"], line["count"]) for line in emf] == [
        (job_id, "metric", "succeeded", 1)
    ]
    assert emf[0]["duration"] >= 0
    assert emf[0]["request_id"] == worker[0]["request_id"]


class DeadLetter:
    """A dead-lettered message as the handler sees it."""

    def __init__(self, body: str) -> None:
        self.body = body

    def to_dict(self) -> dict[str, Any]:
        return {"messageId": "m-1", "body": self.body}


def test_a_job_failed_by_the_dead_letter_handler_is_counted_by_its_kind_without_a_duration(
    client: Client, queues: Queues, lines: list[dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    response = client.http.post("/launch", body="{}", headers={"Content-Type": "application/json"})
    job_id = json.loads(response.body)["job_id"]
    capsys.readouterr()

    body = json.dumps({"job_id": job_id, "kind": "metric", "seq": 0})
    assert worker.handle_dead_letters([DeadLetter(body)]) == {"batchItemFailures": []}

    emf = emf_lines(capsys.readouterr().out)
    assert [(line["job_id"], line["kind"], line["status"]) for line in emf] == [(job_id, "metric", "failed")]
    assert "duration" not in emf[0]  # known only to a worker
    failed = [line for line in lines if line["logger"] == "chalicelib.jobs.worker" and line["level"] == "ERROR"]
    assert failed
    assert all(line["job_id"] == job_id for line in failed)


def test_a_cancelled_job_is_counted_once_as_cancelled(client: Client, capsys: pytest.CaptureFixture[str]) -> None:
    response = client.http.post("/launch", body="{}", headers={"Content-Type": "application/json"})
    job_id = json.loads(response.body)["job_id"]
    statuses = [client.http.post(f"/jobs/{job_id}/cancel").status_code for _ in range(2)]
    assert statuses == [202, 409]  # the second finds it finished: nothing more is counted
    emf = emf_lines(capsys.readouterr().out)
    assert [(line["job_id"], line["kind"], line["status"]) for line in emf] == [(job_id, "metric", "cancelled")]
