"""``make logs`` and ``make stats`` on sample log files in each format the local stack writes."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from infra.local import job_logs, job_stats

JOB = "4241b6023b164fbd8e61d16d0ce4e7b7"
OTHER = "99999999999999999999999999999999"
API_REQUEST = "8f73b571-6fe2-47de-92eb-1e1cc94c8f93"
INVOCATION = "0a55176d-7655-4657-96e2-9032e33f86ca"


def local(moment: str) -> datetime:
    """A local wall-clock time as Python's logging and the access logs write it, in UTC."""
    return datetime.strptime(moment, "%Y-%m-%d %H:%M:%S").astimezone().astimezone(UTC)


def json_line(moment: str, message: str, **fields: object) -> str:
    stamp = local(moment).strftime("%Y-%m-%dT%H:%M:%S") + ".500Z"
    return json.dumps(
        {"time": stamp, "level": "INFO", "logger": "chalicelib.jobs.worker", "message": message, **fields}
    )


def emf(moment: str, job_id: str, kind: str, status: str, duration: float | None) -> str:
    line: dict[str, object] = {
        "_aws": {"Timestamp": int(local(moment).timestamp() * 1000) + 600, "CloudWatchMetrics": []}
    }
    line.update(kind=kind, status=status, count=1, job_id=job_id, attempt=1, request_id=INVOCATION)
    if duration is not None:
        line["duration"] = duration
    return json.dumps(line)


@pytest.fixture
def logs(tmp_path: Path) -> Path:
    """A ``make run`` folder: the API's log (chalice local and the app), the worker's (runner and environments)."""
    (tmp_path / "api.log").write_text(
        "Serving on http://127.0.0.1:8000\n"
        + json_line("2026-12-02 01:00:01", "POST /launch 202 12 ms", job_id=JOB, kind="metric", request_id=API_REQUEST)
        + "\n"
        + '127.0.0.1 - - [02/Dec/2026 01:00:01] "POST /launch HTTP/1.1" 202 -\n'
        + f'127.0.0.1 - - [02/Dec/2026 01:00:09] "GET /jobs/{JOB} HTTP/1.1" 200 -\n'
        + f'127.0.0.1 - - [02/Dec/2026 01:00:09] "GET /jobs/{OTHER} HTTP/1.1" 200 -\n'
    )
    (tmp_path / "worker.log").write_text(
        "\n".join(
            [
                "2026-12-02 01:00:02,100 pynamodb.settings INFO Using Default settings value",
                json_line("2026-12-02 01:00:02", "found the queue", request_id=INVOCATION),
                json_line(
                    "2026-12-02 01:00:03",
                    f"job {JOB}: attempt 1 started",
                    job_id=JOB,
                    kind="metric",
                    attempt=1,
                    request_id=INVOCATION,
                ),
                json_line("2026-12-02 01:00:03", f"job {OTHER}: attempt 1 started", job_id=OTHER, request_id="x"),
                emf("2026-12-02 01:00:04", JOB, "metric", "succeeded", 0.8),
                emf("2026-12-02 01:00:04", OTHER, "metric", "failed", 2.0),
                f"2026-12-02 01:00:05,000 lambda_runner INFO REPORT run_jobs RequestId: {INVOCATION} (job {JOB})"
                " Duration: 900 ms Max Memory Used: 90 MB",
                "2026-12-02 01:00:06,000 lambda_runner ERROR polling jobsvc-local-jobs failed; retrying in 1 s",
                "Traceback (most recent call last):",
                f'  File "x.py", line 1, in <module> (job {JOB})',
            ]
        )
        + "\n"
    )
    return tmp_path


def test_a_jobs_lines_from_every_file_in_time_order_with_its_requests_lines(logs: Path) -> None:
    found = job_logs.find(JOB, job_logs.log_files([logs]))
    texts = [entry.text.splitlines()[0] for entry in found.entries]
    assert [entry.source for entry in found.entries] == ["api", "worker", "worker", "worker", "worker", "worker", "api"]
    assert "POST /launch 202" in texts[0]
    assert "found the queue" in texts[1]  # no job yet, but the job's invocation
    assert f"job {JOB}: attempt 1 started" in texts[2]
    assert '"status": "succeeded"' in texts[3]
    assert "REPORT run_jobs" in texts[4]
    assert texts[5].endswith("retrying in 1 s")  # its traceback (below it) names the job
    assert texts[6].endswith(f'"GET /jobs/{JOB} HTTP/1.1" 200 -')
    assert found.request_ids == {API_REQUEST, INVOCATION}
    assert not any(OTHER in entry.text for entry in found.entries)


def test_a_line_without_a_time_belongs_to_the_line_above(logs: Path) -> None:
    entries = list(job_logs.entries(logs / "worker.log", "worker"))
    assert entries[-1].lines[1] == "Traceback (most recent call last):"
    assert len(entries[-1].lines) == 3


def test_the_command_renders_the_lines_and_says_when_none_name_the_job(
    logs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert job_logs.main([JOB, str(logs)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].endswith(f"POST /launch 202 12 ms  [kind=metric request_id={API_REQUEST}]")
    assert "METRIC metric succeeded in 0.800 s (attempt 1)" in out[3]
    assert job_logs.main(["f" * 32, str(logs)]) == 1
    assert "no line names job ffff" in capsys.readouterr().err


def test_stats_count_each_kind_by_status_with_nearest_rank_percentiles(tmp_path: Path) -> None:
    durations = [float(n) for n in range(1, 21)]  # 1 .. 20 s
    lines = [emf("2026-12-02 01:00:00", f"{n:032x}", "report", "succeeded", d) for n, d in enumerate(durations)]
    lines += [emf("2026-12-02 01:00:00", "a" * 32, "report", "failed", None), "not json", '{"_aws": 1}']
    figures = job_stats.tally(lines)
    assert figures[("report", "succeeded")].count == 20
    assert figures[("report", "succeeded")].percentile(0.5) == 10.0
    assert figures[("report", "succeeded")].percentile(0.95) == 19.0
    assert figures[("report", "failed")].count == 1
    assert figures[("report", "failed")].percentile(0.5) is None


def test_make_stats_prints_the_table_from_the_logs(logs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert job_stats.main([str(logs)]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "kind    status     count  p50 s  p95 s",
        "metric  failed         1  2.000  2.000",
        "metric  succeeded      1  0.800  0.800",
    ]
    assert job_stats.main([str(logs / "nothing")]) == 0
    assert "no finished job in 0 log file(s)" in capsys.readouterr().err
