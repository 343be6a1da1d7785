"""``python -m jobsvc`` against a fake API (a requests adapter: no network): which requests each
command sends (the key included), what it prints, its exit status, and the API's refusals shown as
its messages, never as a traceback."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from requests.adapters import BaseAdapter

from infra.local.processes import free_port
from jobsvc import cli
from jobsvc.client import Api
from jobsvc.progress import ByteBar, Line, bar

JOB = "0123456789abcdef" * 2
Answer = tuple[int, Any]


class FakeApi(BaseAdapter):
    """Canned answers by (method, path); a list is answered in turn, its last answer repeated."""

    def __init__(self, routes: dict[tuple[str, str], Answer | list[Answer] | Callable[[Any], Answer]]) -> None:
        super().__init__()
        self.routes = routes
        self.sent: list[requests.PreparedRequest] = []

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        self.sent.append(request)
        key = (str(request.method), urlsplit(str(request.url)).path)
        answer = self.routes.get(key, (404, {"Code": "NotFoundError", "Message": f"no route {key}"}))
        if isinstance(answer, list):
            answer = answer.pop(0) if len(answer) > 1 else answer[0]
        if callable(answer):
            answer = answer(request)
        response = requests.Response()
        response.status_code, response.reason = answer[0], "fake"
        response._content = json.dumps(answer[1]).encode()
        response.headers["Content-Type"] = "application/json"
        response.url, response.request = str(request.url), request
        return response

    def close(self) -> None:
        pass

    def query(self, index: int) -> dict[str, list[str]]:
        return parse_qs(urlsplit(str(self.sent[index].url)).query)


def run(monkeypatch, capsys, fake: FakeApi, *argv: str, environ: dict[str, str] | None = None):
    """``main(argv)`` with its requests going to ``fake``; (exit status, stdout, stderr)."""
    session = requests.Session()
    session.mount("http://", fake)
    session.mount("https://", fake)
    monkeypatch.setattr(cli, "Api", lambda base, key: Api(base, key, session))
    monkeypatch.setattr("jobsvc.follow.sleep", lambda seconds: None)  # the fake answers the next poll at once
    status = cli.main(list(argv), environ or {})
    out, err = capsys.readouterr()
    return status, out, err


def item(job_id: str, kind: str = "metric", status: str = "succeeded") -> dict[str, Any]:
    return {
        "id": job_id,
        "kind": kind,
        "name": f"{kind} job",
        "status": status,
        "progress": 1.0 if status == "succeeded" else 0.25,
        "created_at": "2026-12-02T01:00:00.123Z",
        "started_at": "2026-12-02T01:00:01.000Z",
        "finished_at": None,
        "duration": 2.5,
        "attempts": 1,
    }


def test_the_key_and_the_api_come_from_the_environment_and_the_options_win(monkeypatch, capsys):
    fake = FakeApi({("GET", "/api/jobs"): (200, {"items": [], "next_cursor": None})})
    environ = {"JOBSVC_API": "https://example.test/api/", "JOBSVC_API_KEY": "from-env"}
    assert run(monkeypatch, capsys, fake, "ls", environ=environ)[0] == 0
    assert str(fake.sent[0].url).startswith("https://example.test/api/jobs")
    assert fake.sent[0].headers["x-api-key"] == "from-env"

    run(monkeypatch, capsys, fake, "--api", "http://other.test/api", "--api-key", "given", "ls", environ=environ)
    assert str(fake.sent[1].url).startswith("http://other.test/api/jobs")
    assert fake.sent[1].headers["x-api-key"] == "given"


def test_without_a_key_no_key_header_is_sent(monkeypatch, capsys):
    fake = FakeApi({("GET", "/jobs"): (200, {"items": [], "next_cursor": None})})
    status, out, _ = run(monkeypatch, capsys, fake, "ls")
    assert status == 0
    assert out == "no jobs\n"
    assert "x-api-key" not in fake.sent[0].headers
    assert str(fake.sent[0].url).startswith("http://127.0.0.1:8000/jobs")


def test_a_403_prints_api_gateways_message_and_how_to_pass_a_key_no_traceback(monkeypatch, capsys):
    fake = FakeApi({("GET", f"/jobs/{JOB}"): (403, {"message": "Forbidden"})})
    status, out, err = run(monkeypatch, capsys, fake, "show", JOB)
    assert (status, out) == (2, "")
    assert err.startswith("error: Forbidden (HTTP 403, GET /jobs/")
    assert "--api-key or set JOBSVC_API_KEY" in err
    assert "no API key" in err
    assert "Traceback" not in err
    status, _, err = run(monkeypatch, capsys, fake, "--api-key", "nope", "show", JOB)
    assert status == 2
    assert "a key that is not the stage's" in err


def test_the_services_own_error_message_is_printed(monkeypatch, capsys):
    conflict = {"Code": "ConflictError", "Message": "status: a succeeded job cannot be cancelled"}
    fake = FakeApi({("POST", f"/jobs/{JOB}/cancel"): (409, conflict)})
    status, _, err = run(monkeypatch, capsys, fake, "cancel", JOB)
    assert status == 2
    assert err == f"error: status: a succeeded job cannot be cancelled (HTTP 409, POST /jobs/{JOB}/cancel)\n"


def test_no_answer_at_all_is_an_error_message_too(capsys):
    port = free_port()  # nothing listens there
    assert cli.main(["--api", f"http://127.0.0.1:{port}", "ls"], {}) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: GET http://127.0.0.1:{port}/jobs: no answer (ConnectionError")
    assert "Traceback" not in err


def test_ls_passes_the_filters_and_with_all_follows_next_cursor_to_the_last_page(monkeypatch, capsys):
    first, second = "a" * 32, "b" * 32
    pages = [
        (200, {"items": [item(first, "import", "running")], "next_cursor": "c1"}),
        (200, {"items": [item(second)], "next_cursor": None}),
    ]
    fake = FakeApi({("GET", "/jobs"): pages})
    argv = ("ls", "--kind", "import", "--status", "running", "--since", "2026-12-01", "--limit", "1", "--all")
    status, out, _ = run(monkeypatch, capsys, fake, *argv)
    assert status == 0
    query = {"kind": ["import"], "status": ["running"], "since": ["2026-12-01"], "limit": ["1"]}
    assert fake.query(0) == query
    assert fake.query(1) == {**query, "cursor": ["c1"]}
    header, *rows = out.splitlines()
    assert header.split() == ["ID", "KIND", "STATUS", "PROGRESS", "CREATED", "DURATION", "ATTEMPTS", "NAME"]
    assert rows[0].split()[:5] == [first, "import", "running", "25.0%", "2026-12-02"]
    assert rows[1].split()[:4] == [second, "metric", "succeeded", "100.0%"]
    assert len(rows) == 2


def test_ls_without_all_shows_one_page_and_says_how_to_get_the_next(monkeypatch, capsys):
    fake = FakeApi({("GET", "/jobs"): (200, {"items": [item("a" * 32)], "next_cursor": "c1"})})
    status, out, _ = run(monkeypatch, capsys, fake, "ls")
    assert status == 0
    assert len(fake.sent) == 1
    assert out.splitlines()[-1] == "(more: --all, or --cursor c1)"


def test_ls_json_is_one_object_a_line(monkeypatch, capsys):
    fake = FakeApi({("GET", "/jobs"): (200, {"items": [item("a" * 32), item("b" * 32)], "next_cursor": None})})
    _, out, _ = run(monkeypatch, capsys, fake, "ls", "--json")
    assert [json.loads(line)["id"] for line in out.splitlines()] == ["a" * 32, "b" * 32]


@pytest.mark.parametrize("argv", [["ls", "--kind", "cron"], ["ls", "--status", "done"], ["watch"], []])
def test_bad_arguments_exit_2_with_usage(monkeypatch, capsys, argv):
    with pytest.raises(SystemExit) as exited:
        run(monkeypatch, capsys, FakeApi({}), *argv)
    assert exited.value.code == 2
    assert "usage: python -m jobsvc" in capsys.readouterr().err


def test_show_prints_the_fields_params_counters_and_earlier_runs(monkeypatch, capsys):
    job = {
        **item(JOB, "import", "failed"),
        "params": {"import_id": "f" * 32, "filename": "posts.csv"},
        "error": "posts API: 500",
        "history": [
            {"attempts": 2, "status": "cancelled", "error": None, "started_at": "2026-12-02T00:00:00Z", "duration": 3}
        ],
    }
    counters = {"id": JOB, "status": "failed", "rows_total": 10, "rows_sent": 7, "rows_failed": 1, "rows_unknown": 0}
    fake = FakeApi({("GET", f"/jobs/{JOB}"): (200, job), ("GET", f"/imports/{JOB}"): (200, counters)})
    status, out, _ = run(monkeypatch, capsys, fake, "show", JOB)
    lines = out.splitlines()
    assert status == 0
    assert lines[0].split() == ["id", JOB]
    assert ["status", "failed"] in [line.split() for line in lines]
    assert ["error", "posts", "API:", "500"] in [line.split() for line in lines]
    assert ["rows_sent", "7"] in [line.split() for line in lines]
    assert '  filename: "posts.csv"' in lines
    assert lines[-1].startswith("  1. status cancelled, attempts 2, started_at 2026-12-02 00:00:00, duration 3.0 s")


@pytest.mark.parametrize(("last", "expected"), [("succeeded", 0), ("failed", 1), ("cancelled", 1)])
def test_watch_polls_until_the_job_finished_and_exits_by_its_status(monkeypatch, capsys, last, expected):
    running = {**item(JOB, status="running"), "progress": 0.5}
    done = {**item(JOB, status=last), "duration": 4.0, **({"error": "boom"} if last == "failed" else {})}
    fake = FakeApi({("GET", f"/jobs/{JOB}"): [(200, running), (200, running), (200, done)]})
    status, out, err = run(monkeypatch, capsys, fake, "watch", JOB)
    assert status == expected
    assert len(fake.sent) == 3
    assert out.splitlines()[0] == f"{JOB}: {last} in 4.0 s (attempts 1)"
    assert ("error: boom" in out) is (last == "failed")
    # Not a terminal: the bar is written again only when what it says changes (running twice: once).
    assert [line.split()[2:4] for line in err.splitlines()] == [
        ["50.0%", "running"],
        ["100.0%" if last == "succeeded" else "25.0%", last],
    ]


def test_watch_gives_up_after_its_timeout_with_a_message(monkeypatch, capsys):
    fake = FakeApi({("GET", f"/jobs/{JOB}"): (200, item(JOB, status="running"))})
    clock = iter(range(0, 1000, 10))
    monkeypatch.setattr("jobsvc.follow.monotonic", lambda: float(next(clock)))
    status, _, err = run(monkeypatch, capsys, fake, "watch", JOB, "--timeout", "15")
    assert status == 2
    assert "not finished after 15 s (status running)" in err


@pytest.mark.parametrize(("flag", "sent"), [((), False), (("--resend-unknown",), True)])
def test_retry_asks_to_resend_unknown_rows_only_when_told(monkeypatch, capsys, flag, sent):
    fake = FakeApi({("POST", f"/jobs/{JOB}/retry"): (202, {"id": JOB, "status": "queued"})})
    status, out, _ = run(monkeypatch, capsys, fake, "retry", JOB, *flag)
    assert (status, out) == (0, f"{JOB}: queued again\n")
    assert json.loads(fake.sent[0].body or b"{}") == {"resend_unknown": sent}


@pytest.mark.parametrize(
    ("answer", "printed"),
    [("cancelled", "cancelled"), ("running", "running; cancel requested: it stops at its next checkpoint")],
)
def test_cancel_says_whether_the_job_stopped_or_will_at_its_checkpoint(monkeypatch, capsys, answer, printed):
    fake = FakeApi({("POST", f"/jobs/{JOB}/cancel"): (202, {"id": JOB, "status": answer})})
    assert run(monkeypatch, capsys, fake, "cancel", JOB)[1] == f"{JOB}: {printed}\n"


def test_import_uploads_as_the_page_does_follows_and_lists_failed_rows_by_line(monkeypatch, capsys, tmp_path):
    path = tmp_path / "posts.csv"
    path.write_bytes(b"userId,title,body\n1,a,b\nx,c,d\n")
    view = {"id": JOB, "status": "succeeded", "progress": 1.0, "rows_total": 3, "rows_in": 3, "rows_invalid": 1}
    view |= {"rows_sent": 1, "rows_failed": 1, "rows_unknown": 1}
    ok = {"line": 2, "userId": 1, "result": "ok", "postId": 101}
    invalid = {"line": 3, "userId": None, "result": "error", "postId": None, "error": "userId: not an integer"}
    unknown = {"line": 4, "userId": 2, "result": "error", "postId": None, "error": "timeout", "outcome_unknown": True}

    def results(request: requests.PreparedRequest) -> Answer:
        after = parse_qs(urlsplit(str(request.url)).query)["after"][0]
        if after == "0":
            return 200, {"id": JOB, "results": [ok, invalid], "next_after": 3}
        return 200, {"id": JOB, "results": [unknown], "next_after": None}

    def upload(request: requests.PreparedRequest) -> Answer:
        reader: Any = request.body  # streamed through the upload's progress bar
        body = b"".join(reader)
        assert request.headers["Content-Type"].startswith("multipart/form-data; boundary=")
        assert b'name="file"; filename="posts.csv"' in body
        assert path.read_bytes() in body
        return 202, {"id": JOB, "status": "queued"}

    fake = FakeApi(
        {
            ("POST", "/imports"): upload,
            ("GET", f"/imports/{JOB}"): [(200, {**view, "status": "running", "progress": 0.5}), (200, view)],
            ("GET", f"/imports/{JOB}/results"): results,
        }
    )
    status, out, err = run(monkeypatch, capsys, fake, "--api-key", "k", "import", str(path))
    assert status == 0
    assert all(sent.headers["x-api-key"] == "k" for sent in fake.sent)
    assert f"import {JOB}" in err
    assert out.splitlines() == [
        f"import {JOB}: succeeded",
        "rows_total 3  rows_in 3  rows_invalid 1  rows_sent 1  rows_failed 1  rows_unknown 1",
        "failed rows (2):",
        "  line 3: userId None: userId: not an integer",
        "  line 4: userId 2: timeout (outcome unknown: the post may exist)",
    ]


def test_a_missing_file_is_a_usage_error_before_any_request(monkeypatch, capsys, tmp_path):
    fake = FakeApi({})
    with pytest.raises(SystemExit) as exited:
        run(monkeypatch, capsys, fake, "import", str(tmp_path / "nothing.csv"))
    assert exited.value.code == 2
    assert not fake.sent
    assert "nothing.csv: no such file" in capsys.readouterr().err


def test_bars():
    assert bar(0.5, width=10) == "[#####.....]"
    assert bar(0.0, width=4) == "[....]"
    assert bar(1.7, width=4) == "[####]"
    assert bar(None, width=3) == "[?  ]"


def test_off_a_terminal_a_line_is_written_again_only_when_it_changes():
    stream = io.StringIO()
    line = Line(stream)
    for text in ("a 10%", "a 10%", "a 20%"):
        line.show(text)
    line.end()
    assert stream.getvalue() == "a 10%\na 20%\n"


def test_a_byte_bar_counts_what_went_through():
    stream = io.StringIO()
    progress = ByteBar("upload", 2_000_000, stream)
    progress.add(1_000_000)
    progress.add(1_000_000)
    progress.finish()
    lines = stream.getvalue().splitlines()
    assert [line.split()[2] for line in lines] == ["50.0%", "100.0%"]  # each state once: finish adds none
    assert lines[-1].startswith("upload [########################] 100.0% 2.0 MB")
