"""The local Lambda runner against a real SQS endpoint (moto server): an invocation that dies leaves
its message, which comes back after the visibility timeout and then goes to the dead-letter queue,
while the runner keeps serving and its log names the function, the job and the cause."""

from __future__ import annotations

import json
import os
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from infra.local.processes import ProcessGroup, free_port, wait_until
from infra.local.stack import BIN
from tests.tiny_app import local_runner, write_tiny_app

pytestmark = pytest.mark.integration


def _answers(url: str) -> bool:
    with urllib.request.urlopen(url, timeout=2):
        return True


@pytest.fixture
def moto(tmp_path: Path) -> Iterator[str]:
    group = ProcessGroup(tmp_path / "logs")
    port = free_port()
    server = group.start("moto-server", [str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)])
    try:
        wait_until(lambda: _answers(f"http://127.0.0.1:{port}/moto-api/"), "moto server", process=server)
        yield f"http://127.0.0.1:{port}"
    finally:
        group.stop()


def until(what: str, check: Any, timeout: float = 60) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError(f"not {what} after {timeout} s")


def test_a_dead_invocation_leaves_its_message_to_come_back_then_to_the_dead_letter_queue(
    tmp_path: Path, moto: str
) -> None:
    out = write_tiny_app(tmp_path)
    credentials = {"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local", "AWS_DEFAULT_REGION": "us-east-1"}
    sqs = boto3.client(
        "sqs",
        endpoint_url=moto,
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    dlq = sqs.create_queue(QueueName="tiny-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    redrive = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "2"})
    queue = sqs.create_queue(QueueName="tiny", Attributes={"VisibilityTimeout": "1", "RedrivePolicy": redrive})
    sqs.create_queue(QueueName="tiny-other")
    sqs.send_message(QueueUrl=queue["QueueUrl"], MessageBody=json.dumps({"job_id": "doomed", "do": "exit"}))

    env = {**os.environ, **credentials, "AWS_ENDPOINT_URL_SQS": moto, "TINY_OUT": str(out)}
    env.pop("LAMBDA_KILL_RATE", None)
    log = tmp_path / "runner.log"
    with local_runner(tmp_path, env, log, "--max-concurrency", "1") as runner:
        dead = until(
            "dead-lettered",
            lambda: sqs.receive_message(QueueUrl=dlq, WaitTimeSeconds=1).get("Messages"),
        )
        assert json.loads(dead[0]["Body"])["job_id"] == "doomed"
        assert runner.poll() is None, log.read_text()

        sqs.send_message(QueueUrl=queue["QueueUrl"], MessageBody=json.dumps({"job_id": "fine", "do": "write"}))
        until("served after the deaths", (out / "done-fine").exists)
    text = log.read_text()
    assert text.count("work DIED on job doomed: crash (exited with code 3") == 2, text  # maxReceiveCount receives
    assert "work: queue tiny, 1 environment(s) at most, timeout 2 s, memory 128 MB" in text
    assert "REPORT work RequestId" in text
    assert "(job fine)" in text
