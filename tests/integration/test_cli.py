"""``python -m jobsvc`` as a person runs it: a subprocess over real HTTP against the local stack, and
against the same stack's API started with ``LOCAL_API_KEY`` (a service that asks for the key, as the
deployed stages do)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import requests

from infra.local.stack import ROOT
from tests.stack import LOCAL_KEY, Service, until_finished

pytestmark = pytest.mark.integration
KEY = LOCAL_KEY


def jobsvc(*args: str, env: dict[str, str] | None = None, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    """``python -m jobsvc ARGS`` in a clean environment (no JOBSVC_* from the caller's shell)."""
    clean = {name: value for name, value in os.environ.items() if not name.startswith("JOBSVC_")}
    return subprocess.run(
        [sys.executable, "-m", "jobsvc", *args],
        env={**clean, **(env or {})},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def wait_for(condition: Callable[[], bool], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"not so after {timeout} s"
        time.sleep(0.05)


def launch(api: str, key: str | None = None) -> str:
    response = requests.post(f"{api}/launch", headers={"x-api-key": key} if key else {}, timeout=10)
    assert response.status_code == 202, response.text
    return str(response.json()["job_id"])


def test_watch_follows_a_job_to_its_end_and_show_prints_it(service: Service) -> None:
    job_id = launch(service.api)

    watched = jobsvc("--api", service.api, "watch", job_id)
    shown = jobsvc("show", job_id, env={"JOBSVC_API": service.api})

    assert watched.returncode == 0, watched.stderr
    assert watched.stdout.startswith(f"{job_id}: succeeded in ")
    assert "100.0% succeeded" in watched.stderr  # the bar's last state
    assert shown.returncode == 0, shown.stderr
    fields = {line.split()[0]: line.split()[1:] for line in shown.stdout.splitlines() if line and line[0] != " "}
    assert fields["id"] == [job_id]
    assert fields["kind"] == ["metric"]
    assert fields["status"] == ["succeeded"]


def test_ls_lists_every_job_newest_first_and_all_follows_the_pages(service: Service) -> None:
    launched = [launch(service.api) for _ in range(3)]
    for job_id in launched:
        until_finished(f"{service.api}/get_result?job_id={job_id}")

    paged = jobsvc("--api", service.api, "ls", "--kind", "metric", "--limit", "2", "--all", "--json")
    first = jobsvc("--api", service.api, "ls", "--kind", "metric", "--limit", "2")
    table = jobsvc("--api", service.api, "ls", "--status", "succeeded")

    assert paged.returncode == 0, paged.stderr
    listed = [json.loads(line) for line in paged.stdout.splitlines()]
    ids = [item["id"] for item in listed]
    assert ids[:3] == launched[::-1]
    assert len(ids) == len(set(ids))  # newest first, each once, past page 1
    assert {item["kind"] for item in listed} == {"metric"}
    assert first.returncode == 0
    assert first.stdout.splitlines()[-1].startswith("(more: --all, or --cursor ")
    assert len(first.stdout.splitlines()) == 1 + 2 + 1  # the header, a page of 2, the hint
    assert table.returncode == 0
    assert table.stdout.splitlines()[0].split()[:3] == ["ID", "KIND", "STATUS"]
    assert all(line.split()[2] == "succeeded" for line in table.stdout.splitlines()[1:] if not line.startswith("("))


def test_a_bad_filter_is_the_apis_400_naming_it(service: Service) -> None:
    done = jobsvc("--api", service.api, "ls", "--limit", "500")
    assert done.returncode == 2
    assert done.stderr.startswith("error: limit")
    assert "(HTTP 400, GET /jobs)" in done.stderr


def test_cancel_a_running_import_then_retry_it_resumes_and_show_lists_the_earlier_run(service: Service) -> None:
    service.posts_api.reset()
    rows = "".join(f"{n},cli title {n},body {n}\n" for n in range(1, 41))  # ~6 s at 7 rows/s
    content = f"userId,title,body\n{rows}".encode()
    response = requests.post(f"{service.api}/imports", files={"file": ("posts.csv", content, "text/csv")}, timeout=10)
    import_id = response.json()["id"]
    wait_for(lambda: requests.get(f"{service.api}/imports/{import_id}", timeout=10).json()["rows_sent"] >= 3)

    cancelled = jobsvc("--api", service.api, "cancel", import_id)
    stopped = jobsvc("--api", service.api, "watch", import_id)
    retried = jobsvc("--api", service.api, "retry", import_id)
    resumed = jobsvc("--api", service.api, "watch", import_id)
    shown = jobsvc("--api", service.api, "show", import_id)

    assert cancelled.returncode == 0, cancelled.stderr
    assert cancelled.stdout in (
        f"{import_id}: cancelled\n",
        f"{import_id}: running; cancel requested: it stops at its next checkpoint\n",
    )
    assert stopped.returncode == 1, stopped.stderr
    assert stopped.stdout.startswith(f"{import_id}: cancelled"), stopped.stderr
    assert (retried.returncode, retried.stdout) == (0, f"{import_id}: queued again\n"), retried.stderr
    assert resumed.returncode == 0, resumed.stderr
    assert resumed.stdout.startswith(f"{import_id}: succeeded"), resumed.stderr
    assert shown.returncode == 0, shown.stderr
    assert ["rows_sent", "40"] in [line.split() for line in shown.stdout.splitlines()]
    history = shown.stdout.split("history (earlier runs, oldest first)\n")[1].splitlines()
    assert len(history) == 1
    assert history[0].startswith("  1. status cancelled")
    titles = [post["title"] for post in service.posts_api.created()]
    assert sorted(titles) == sorted(f"cli title {n}" for n in range(1, 41))  # each row sent once, across both runs


@pytest.mark.parametrize("command", ["cancel", "retry"])
def test_cancel_or_retry_of_a_finished_job_is_the_apis_409_message(service: Service, command: str) -> None:
    job_id = launch(service.api)
    until_finished(f"{service.api}/get_result?job_id={job_id}")
    done = jobsvc("--api", service.api, command, job_id)
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.startswith("error: ")
    assert f"(HTTP 409, POST /jobs/{job_id}/{command})" in done.stderr


def test_an_unknown_id_is_the_apis_404_message_and_exit_2(service: Service) -> None:
    done = jobsvc("--api", service.api, "show", "f" * 32)
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.startswith("error: ")
    assert "(HTTP 404, GET /jobs/" in done.stderr
    assert "Traceback" not in done.stderr


def test_import_shows_the_counters_and_the_failed_rows_with_their_lines(service: Service, tmp_path: Path) -> None:
    service.posts_api.reset()
    rows = "".join(f"{n},title {n},body {n}\n" for n in range(1, 6))
    path = tmp_path / "posts.csv"
    path.write_text(f"userId,title,body\n{rows}oops,bad,row\n6,title 6,body 6\n")

    done = jobsvc("--api", service.api, "import", str(path))

    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("import ")
    assert lines[0].endswith(": succeeded")
    assert lines[1] == "rows_total 7  rows_in 7  rows_invalid 1  rows_sent 6  rows_failed 0  rows_unknown 0"
    assert lines[2:] == [
        "failed rows (1):",
        "  line 7: userId None: invalid: userId 'oops' is not a whole number from 1 to 2,147,483,647",
    ]
    assert sorted(post["userId"] for post in service.posts_api.created()) == [1, 2, 3, 4, 5, 6]


def test_a_service_that_asks_for_the_key_refuses_the_cli_without_it(service: Service, keyed_api: str) -> None:
    job_id = launch(keyed_api, KEY)

    without = jobsvc("--api", keyed_api, "show", job_id)
    wrong = jobsvc("--api", keyed_api, "--api-key", "not-the-key", "watch", job_id)

    assert without.returncode == 2
    assert without.stdout == ""
    assert without.stderr.startswith("error: Forbidden (HTTP 403, GET /jobs/")
    assert "--api-key" in without.stderr
    assert wrong.returncode == 2
    assert "a key that is not the stage's" in wrong.stderr
    assert until_finished(f"{service.api}/get_result?job_id={job_id}")["status"] == "succeeded"  # it ran anyway


def test_with_the_key_every_command_works_on_a_service_that_asks_for_it(
    service: Service, keyed_api: str, tmp_path: Path
) -> None:
    path = tmp_path / "posts.csv"
    path.write_text("userId,title,body\n1,keyed,post\n")
    job_id = launch(keyed_api, KEY)

    watched = jobsvc("--api", keyed_api, "--api-key", KEY, "watch", job_id)
    shown = jobsvc("show", job_id, env={"JOBSVC_API": keyed_api, "JOBSVC_API_KEY": KEY})
    listed = jobsvc("--api", keyed_api, "--api-key", KEY, "ls", "--json", "--limit", "5")
    imported = jobsvc("--api", keyed_api, "--api-key", KEY, "import", str(path))

    assert watched.returncode == 0, watched.stderr
    assert watched.stdout.startswith(f"{job_id}: succeeded"), watched.stderr
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.splitlines()[0].split() == ["id", job_id], shown.stderr
    assert imported.returncode == 0, imported.stderr
    assert listed.returncode == 0
    assert job_id in [json.loads(line)["id"] for line in listed.stdout.splitlines()]
    assert "rows_in 1  rows_invalid 0  rows_sent 1" in imported.stdout


def test_the_keyed_service_leaves_the_page_docs_and_health_open(keyed_api: str) -> None:
    for path in ("/", "/static/app.js", "/docs", "/openapi.json", "/health"):
        assert requests.get(f"{keyed_api}{path}", timeout=10).status_code == 200, path
    refused = requests.get(f"{keyed_api}/logs", params={"table_name": "sales"}, timeout=10)
    assert (refused.status_code, refused.json()) == (403, {"message": "Forbidden"})
    spec = requests.get(f"{keyed_api}/openapi.json", timeout=10).json()
    assert spec["components"]["securitySchemes"]["apiKey"]["name"] == "x-api-key"
