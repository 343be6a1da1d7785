"""The local Lambda runner finds the app's handlers, their concurrency and schedules, builds Lambda's
event shapes, and runs ``@app.schedule`` handlers with EventBridge's scheduled event."""

from __future__ import annotations

import importlib.util
import json
import os
import time
from pathlib import Path

import pytest
from chalice.app import Chalice

from app import app
from chalicelib.config import get_settings
from infra.local import lambda_functions
from infra.local.lambda_runner import job_ids, sqs_sources, to_record
from infra.local.schedules import period_seconds, scheduled_event
from infra.local.stack import ROOT
from tests.tiny_app import local_runner, write_tiny_app


def test_it_serves_each_lanes_queue_and_the_dead_letter_queue() -> None:
    sources = {source.queue: source.function for source in sqs_sources(app)}
    assert sources == {
        get_settings().jobs_queue: "run_jobs",
        get_settings().imports_queue: "run_imports",
        get_settings().jobs_dlq: "fail_dead_jobs",
    }


def test_in_process_delivery_gives_each_handler_its_configured_timeout() -> None:
    timeouts = {source.function: source.timeout_seconds for source in sqs_sources(app)}
    assert timeouts == {"run_jobs": 100, "run_imports": 100, "fail_dead_jobs": 30}  # .chalice/config.json, stage local


def test_each_queue_runs_as_many_environments_as_its_maximum_concurrency_allows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TINY_OUT", str(write_tiny_app(tmp_path)))
    tiny = _load(tmp_path / "app.py")
    uncapped = {s.queue: s.concurrency for s in lambda_functions.queue_sources(tiny, tmp_path, "local")}
    capped = {s.queue: s.concurrency for s in lambda_functions.queue_sources(tiny, tmp_path, "local", cap=2)}
    assert uncapped == {"tiny": 3, "tiny-other": 5}  # maximum_concurrency=3; none: SQS's first five
    assert capped == {"tiny": 2, "tiny-other": 2}
    ours = {s.function.name: s.concurrency for s in lambda_functions.queue_sources(app, ROOT, "local")}
    assert ours == {"run_jobs": 20, "run_imports": 2, "fail_dead_jobs": 2}
    work = next(s.function for s in lambda_functions.queue_sources(tiny, tmp_path, "local"))
    assert (work.name, work.timeout_seconds, work.memory_mb) == ("work", 2, 128)


def _load(path: Path) -> Chalice:
    """The tiny app's ``app``, imported under another name than the project's own ``app``."""
    spec = importlib.util.spec_from_file_location("tiny_app_module", path)
    assert spec
    assert spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    app: Chalice = module.app
    return app


def test_a_message_becomes_a_lambda_sqs_record() -> None:
    message = {
        "MessageId": "m-1",
        "ReceiptHandle": "r-1",
        "Body": '{"job_id": "j"}',
        "MD5OfBody": "abc",
        "Attributes": {"ApproximateReceiveCount": "2"},
    }
    record = to_record(message, "arn:aws:sqs:us-east-1:123456789012:q", "us-east-1")
    assert record == {
        "messageId": "m-1",
        "receiptHandle": "r-1",
        "body": '{"job_id": "j"}',
        "attributes": {"ApproximateReceiveCount": "2"},
        "messageAttributes": {},
        "md5OfBody": "abc",
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:q",
        "awsRegion": "us-east-1",
    }


def test_the_log_names_the_jobs_of_a_batch_from_their_bodies() -> None:
    bodies = ['{"job_id": "a1"}', '{"kind": "x"}', "not json", '["job_id"]']
    assert job_ids([{"Body": body} for body in bodies]) == "job a1, no job_id, a body that is not JSON, no job_id"


def test_a_rate_sets_the_period_unless_local_schedule_seconds_does() -> None:
    assert [period_seconds(e) for e in ("rate(1 minute)", "rate(5 minutes)", "rate(2 hours)", "rate(1 day)")] == [
        60,
        300,
        7200,
        86400,
    ]
    assert period_seconds("cron(0 12 * * ? *)") is None
    assert period_seconds("cron(0 12 * * ? *)", 3.0) == period_seconds("rate(1 day)", 3.0) == 3.0


def test_a_scheduled_event_is_shaped_like_eventbridges() -> None:
    event = scheduled_event("tiny-local-sweep", "eu-west-1")
    assert {k: v for k, v in event.items() if k not in ("id", "time")} == {
        "version": "0",
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "123456789012",
        "region": "eu-west-1",
        "resources": ["arn:aws:events:eu-west-1:123456789012:rule/tiny-local-sweep"],
        "detail": {},
    }
    assert len(event["id"]) == 36
    assert event["time"].endswith("Z")


def test_the_runner_invokes_a_scheduled_handler_every_local_schedule_seconds(tmp_path: Path) -> None:
    out = write_tiny_app(tmp_path)
    env = {**os.environ, "TINY_OUT": str(out), "LOCAL_SCHEDULE_SECONDS": "0.2"}
    with local_runner(tmp_path / "scheduled", env, tmp_path / "runner.log"):
        deadline = time.monotonic() + 30
        while len(list(out.glob("swept-*.json"))) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        events = [json.loads(path.read_text()) for path in sorted(out.glob("swept-*.json"))]
        assert len(events) >= 2, (tmp_path / "runner.log").read_text()
        assert events[0]["detail-type"] == "Scheduled Event"
        assert events[0]["source"] == "aws.events"
        assert events[0]["resources"] == ["arn:aws:events:us-east-1:123456789012:rule/tiny-local-sweep"]
    text = (tmp_path / "runner.log").read_text()
    assert "sweep: every 0.2 s (rate(1 hour))" in text
    assert "REPORT sweep" in text
