"""The JSON log lines and the EMF lines: what a person searching logs, or CloudWatch, reads."""

from __future__ import annotations

import json
import logging
import sys

import pytest

from chalicelib.telemetry import logs, metrics


def record(message: str, exc_info: logging._SysExcInfoType | None = None) -> logging.LogRecord:
    return logging.LogRecord("chalicelib.jobs.worker", logging.WARNING, __file__, 1, message, None, exc_info)


def formatted(message: str = "job x: transient error") -> dict[str, object]:
    line = logs.JsonFormatter().format(record(message))
    assert "\n" not in line
    parsed: dict[str, object] = json.loads(line)
    return parsed


def test_a_line_carries_the_fields_of_the_work_in_hand_and_only_while_it_lasts() -> None:
    with logs.scope(request_id="r-1"):
        logs.bind(job_id="j-1", kind="import", attempt=2)
        line = formatted()
        assert {key: line[key] for key in ("job_id", "kind", "attempt", "request_id")} == {
            "job_id": "j-1",
            "kind": "import",
            "attempt": 2,
            "request_id": "r-1",
        }
        assert line["level"] == "WARNING"
        assert line["logger"] == "chalicelib.jobs.worker"
        assert line["message"] == "job x: transient error"
        assert str(line["time"]).endswith("Z")
    assert not {"job_id", "kind", "attempt", "request_id"} & formatted().keys()


def test_a_nested_scope_forgets_its_own_binds_and_keeps_the_outer_ones() -> None:
    with logs.scope(request_id="invocation"):
        for job_id in ("first", "second"):
            with logs.scope():
                logs.bind(job_id=job_id)
                if job_id == "first":
                    logs.bind(kind="metric", attempt=1)
                line = formatted()
        assert line == {**line, "job_id": "second", "request_id": "invocation"}
        assert "kind" not in line
        assert "attempt" not in line  # the first message's, not the second's


def test_a_traceback_stays_inside_its_one_line() -> None:
    try:
        raise ValueError("bad row")
    except ValueError:
        line = logs.JsonFormatter().format(record("failed", sys.exc_info()))
    assert len(line.splitlines()) == 1
    assert "Traceback (most recent call last)" in json.loads(line)["exception"]


def test_lambdas_own_request_id_is_used_outside_any_scope() -> None:
    entry = record("hello")
    entry.aws_request_id = "lambda-42"
    assert json.loads(logs.JsonFormatter().format(entry))["request_id"] == "lambda-42"


def test_an_emf_line_declares_each_metric_and_dimension_it_carries() -> None:
    line = metrics.job_line("report", "succeeded", 12.5, job_id="j-1", attempt=1, request_id=None)
    directive = line["_aws"]["CloudWatchMetrics"][0]
    assert directive["Namespace"] == "jobsvc"
    assert directive["Dimensions"] == [["kind", "status"]]
    assert {metric["Name"]: metric["Unit"] for metric in directive["Metrics"]} == {
        "count": "Count",
        "duration": "Seconds",
    }
    assert (line["kind"], line["status"], line["count"], line["duration"]) == ("report", "succeeded", 1, 12.5)
    assert line["job_id"] == "j-1"
    assert "request_id" not in line
    assert isinstance(line["_aws"]["Timestamp"], int)


def test_a_job_without_a_duration_is_counted_without_one() -> None:
    line = metrics.job_line("import", "failed", None)
    assert [metric["Name"] for metric in line["_aws"]["CloudWatchMetrics"][0]["Metrics"]] == ["count"]
    assert "duration" not in line
    assert line["count"] == 1


def test_job_finished_writes_one_json_line_to_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    with logs.scope(request_id="r-9"):
        metrics.job_finished("metric", "failed", 0.25, "j-2", 3)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1
    line = json.loads(lines[0])
    assert (line["job_id"], line["attempt"], line["request_id"], line["status"]) == ("j-2", 3, "r-9", "failed")


def test_json_lines_only_where_the_app_serves_and_the_runners_own_lines_stay_text() -> None:
    root = logging.getLogger()
    handler = logging.StreamHandler()
    plain = handler.formatter
    root.addHandler(handler)
    level = root.level
    try:
        assert not logs.configure_json_logs({})  # the runner importing app.py, or a test
        assert handler.formatter is plain
        assert logs.configure_json_logs({"AWS_LAMBDA_FUNCTION_NAME": "jobsvc-dev-run_jobs", "LOG_LEVEL": "WARNING"})
        assert isinstance(handler.formatter, logs.JsonFormatter)
        assert root.level == logging.WARNING
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
