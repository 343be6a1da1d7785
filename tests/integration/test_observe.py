"""Logs, figures and /health on the real local stack: ``make logs`` finds a job's lines in the
stack's own log files (chalice local's, the app's JSON lines, the runner's), ``make stats``
tables its finish, ``/health`` counts the queues over HTTP."""

from __future__ import annotations

import os
import time
from pathlib import Path

import requests

from tests.stack import Service, run_module, until_finished


def until_logged(log_dir: Path, job_id: str, text: str, timeout: float = 30) -> str:
    """``make logs``' output for the job once it contains ``text`` (the runner logs an invocation's
    REPORT just after the job's record is written)."""
    deadline = time.monotonic() + timeout
    output = ""
    while time.monotonic() < deadline:
        output = run_module("infra.local.job_logs", dict(os.environ), job_id, str(log_dir))
        if text in output:
            return output
        time.sleep(0.2)
    raise AssertionError(f"{text!r} not in the job's lines after {timeout} s:\n{output}")


def test_make_logs_finds_a_jobs_lines_across_the_stacks_files_and_make_stats_counts_it(service: Service) -> None:
    assert service.log_dir is not None
    response = requests.post(f"{service.api}/launch", json={}, timeout=30)
    assert response.status_code == 202, response.text
    job_id = response.json()["job_id"]
    assert until_finished(f"{service.api}/jobs/{job_id}")["status"] == "succeeded"

    output = until_logged(service.log_dir, job_id, "REPORT run_jobs")
    lines = output.splitlines()
    expected = [
        "POST /launch 202",  # the app's JSON line in api.log (chalice local)
        f"job {job_id}: attempt 1 started",  # the worker's, in worker.log
        f"job {job_id}: succeeded",
        "METRIC metric succeeded",  # its EMF line
        f"({'job ' + job_id})",  # the runner's REPORT line
        f'"GET /jobs/{job_id} HTTP/1.1" 200',  # chalice local's access line
    ]
    found = [next((n for n, line in enumerate(lines) if text in line), -1) for text in expected]
    assert -1 not in found, output
    assert found[1:5] == sorted(found[1:5]), output  # the invocation's lines in time order
    assert all(line.split()[1] in ("api", "worker") for line in lines), output

    stats = run_module("infra.local.job_stats", dict(os.environ), str(service.log_dir))
    assert any(line.split()[:2] == ["metric", "succeeded"] for line in stats.splitlines()), stats


def test_health_counts_the_queues_over_http(service: Service) -> None:
    answer = requests.get(f"{service.api}/health", timeout=30).json()
    assert answer["status"] == "ok"
    assert answer["unavailable"] == []
    assert set(answer["queues"]) == {"jobs", "imports"}
    for depth in (*answer["queues"].values(), answer["dead_letters"]):
        assert set(depth) == {"waiting", "in_flight", "delayed"}
        assert all(v >= 0 for v in depth.values())
