"""The local fake of the posts API answers, fails, hangs and counts exactly as the tests need it to."""

from __future__ import annotations

import http.client
import json
import random
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from email.message import Message
from pathlib import Path
from typing import Any

import pytest

from infra.local.fake_posts_api import ERROR_STATUSES, FakePostsApi, max_in_window

ROOT = Path(__file__).resolve().parents[2]
# No proxy from the environment: the fake is always on 127.0.0.1.
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def send(url: str, path: str, data: bytes | None, timeout: float = 5.0) -> tuple[int, Any, Message]:
    """``POST`` ``data`` (``GET`` when None); the status, the JSON answer and the headers, errors included."""
    request = urllib.request.Request(f"{url}{path}", data=data, method="GET" if data is None else "POST")
    request.add_header("Content-Type", "application/json")
    try:
        with OPENER.open(request, timeout=timeout) as response:
            return response.status, json.loads(response.read()), response.headers
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, json.loads(exc.read()), exc.headers


def post(url: str, body: object, timeout: float = 5.0) -> tuple[int, Any, Message]:
    return send(url, "/posts", json.dumps(body).encode(), timeout)


@pytest.fixture
def api() -> Iterator[FakePostsApi]:
    with FakePostsApi() as running:
        yield running


# -- creations


def test_created_posts_get_increasing_ids_and_echo_the_body(api: FakePostsApi) -> None:
    bodies = [{"userId": 1, "title": f"t{n}", "body": "b"} for n in range(3)]
    answers = [post(api.url, body)[:2] for body in bodies]
    assert answers == [(201, {"id": n + 1, **body}) for n, body in enumerate(bodies)]
    assert api.created() == bodies
    assert [call["status"] for call in api.calls()] == [201, 201, 201]


def test_url_is_local_without_a_trailing_slash(api: FakePostsApi) -> None:
    assert api.url == f"http://127.0.0.1:{api.port}"
    assert api.port > 0


def test_a_body_that_is_not_a_json_object_is_a_400_and_takes_no_id(api: FakePostsApi) -> None:
    assert post(api.url, [1, 2])[0] == 400
    assert send(api.url, "/posts", b"not json")[0] == 400
    assert post(api.url, {"title": "x"})[:2] == (201, {"id": 1, "title": "x"})
    assert [(call["body"], call["status"]) for call in api.calls()] == [
        ([1, 2], 400),
        (None, 400),
        ({"title": "x"}, 201),
    ]


def test_an_unknown_route_is_a_404(api: FakePostsApi) -> None:
    assert send(api.url, "/comments", b"{}")[0] == 404
    assert send(api.url, "/posts", None)[0] == 404
    assert api.calls() == []


# -- latency


def test_latency_delays_the_answer_and_the_arrival_is_recorded_before_it() -> None:
    with FakePostsApi(latency=0.2) as api:
        started = time.time()
        assert post(api.url, {"n": 1})[0] == 201
        finished = time.time()
    assert 0.2 <= finished - started < 1.5
    (arrival,) = api.arrivals()
    assert started <= arrival <= finished - 0.19


def test_latency_can_be_changed_at_run_time(api: FakePostsApi) -> None:
    api.configure(latency=0.3)
    started = time.monotonic()
    post(api.url, {})
    assert time.monotonic() - started >= 0.3


def test_configure_rejects_impossible_values(api: FakePostsApi) -> None:
    with pytest.raises(ValueError, match="error_rate"):
        api.configure(error_rate=1.5)
    with pytest.raises(ValueError, match="latency"):
        api.configure(latency=-1)


def test_parallel_requests_are_not_serialised_by_latency() -> None:
    with FakePostsApi(latency=0.2) as api, ThreadPoolExecutor(max_workers=20) as pool:
        started = time.monotonic()
        answers = list(pool.map(lambda n: post(api.url, {"n": n}), range(20)))
        elapsed = time.monotonic() - started
    assert elapsed < 3.5  # one after another, 20 answers of 0.2 s would take 4 s
    assert [status for status, _, _ in answers] == [201] * 20
    assert sorted(answer["id"] for _, answer, _ in answers) == list(range(1, 21))
    assert api.max_in_window(1.0) == 20


# -- script and errors


def test_the_script_is_answered_in_order_then_normal_answers_resume(api: FakePostsApi) -> None:
    api.script([429, 500, 201, 503, 502])
    statuses = [post(api.url, {"n": n})[0] for n in range(7)]
    assert statuses == [429, 500, 201, 503, 502, 201, 201]
    assert api.created() == [{"n": 2}, {"n": 5}, {"n": 6}]
    assert [call["status"] for call in api.calls()] == statuses


def test_a_new_script_replaces_the_rest_of_the_old_one(api: FakePostsApi) -> None:
    api.script([500, 500])
    api.script([503])
    assert [post(api.url, {})[0] for _ in range(2)] == [503, 201]


def test_a_scripted_timeout_hangs_past_the_client_timeout_then_creates() -> None:
    with FakePostsApi(hang=1.0) as api:
        api.script(["timeout", 201])
        started = time.monotonic()
        with pytest.raises((TimeoutError, urllib.error.URLError)):
            post(api.url, {"n": 1}, timeout=0.3)
        assert time.monotonic() - started < 0.9
        assert post(api.url, {"n": 2})[:2] == (201, {"id": 2, "n": 2})
    assert [call["status"] for call in api.calls()] == [201, 201]


def test_a_scripted_timeout_answers_201_after_hang_seconds() -> None:
    with FakePostsApi(hang=0.3) as api:
        api.script(["timeout"])
        started = time.monotonic()
        assert post(api.url, {"n": 1}, timeout=3.0)[:2] == (201, {"id": 1, "n": 1})
        assert time.monotonic() - started >= 0.3


def test_a_script_entry_must_be_a_status_or_timeout(api: FakePostsApi) -> None:
    with pytest.raises(ValueError, match="script entry"):
        api.script([200])
    with pytest.raises(ValueError, match="script entry"):
        api.script(["slow"])  # type: ignore[list-item]


def test_a_429_carries_retry_after(api: FakePostsApi) -> None:
    api.script([429, 503])
    status, answer, headers = post(api.url, {})
    assert (status, headers["Retry-After"]) == (429, "1")
    assert "error" in answer
    status, _, headers = post(api.url, {})
    assert (status, headers["Retry-After"]) == (503, None)


def test_an_error_rate_of_one_answers_only_errors() -> None:
    with FakePostsApi(error_rate=1.0, seed=7) as api:
        answers = [post(api.url, {"n": n}) for n in range(30)]
    statuses = [status for status, _, _ in answers]
    assert set(statuses) <= set(ERROR_STATUSES)
    assert 429 in statuses
    assert all(headers["Retry-After"] == "1" for status, _, headers in answers if status == 429)
    assert api.created() == []


def test_random_errors_follow_the_seed() -> None:
    def statuses() -> list[int]:
        with FakePostsApi(error_rate=0.5, seed=3) as api:
            return [post(api.url, {})[0] for _ in range(12)]

    first = statuses()
    assert first == statuses()
    assert 201 in first
    assert set(first) - {201}


# -- counting


@pytest.mark.parametrize(
    ("times", "seconds", "expected"),
    [
        ([], 1.0, 0),
        ([5.0], 1.0, 1),
        ([0.0, 1.0], 1.0, 1),  # the window is [start, start + seconds)
        ([0.0, 0.999], 1.0, 2),
        ([1.5, 0.0, 0.99, 0.5, 1.0], 1.0, 3),  # unsorted
        ([0.0, 0.1, 0.2, 5.0, 5.05, 5.1, 5.15], 0.5, 4),
        ([2.0, 2.0, 2.0], 0.001, 3),
    ],
)
def test_max_in_window(times: list[float], seconds: float, expected: int) -> None:
    assert max_in_window(times, seconds) == expected


def test_max_in_window_agrees_with_counting_every_window() -> None:
    rng = random.Random(11)
    for _ in range(200):
        times = [rng.uniform(0, 5) for _ in range(rng.randrange(0, 40))]
        seconds = rng.choice([0.1, 0.5, 1.0, 2.0])
        brute = max((sum(start <= t < start + seconds for t in times) for start in times), default=0)
        assert max_in_window(times, seconds) == brute


def test_max_in_window_needs_a_positive_length() -> None:
    with pytest.raises(ValueError):
        max_in_window([1.0], 0)


def test_reset_forgets_calls_and_script_and_restarts_ids(api: FakePostsApi) -> None:
    post(api.url, {})
    api.script([500])
    api.reset()
    assert (api.calls(), api.arrivals(), api.created()) == ([], [], [])
    assert post(api.url, {"a": 1})[:2] == (201, {"id": 1, "a": 1})


# -- over HTTP, as a separate process


def test_control_endpoints_over_http(api: FakePostsApi) -> None:
    config = {"latency": 0, "error_rate": 0, "script": [503]}
    status, settings, _ = send(api.url, "/_config", json.dumps(config).encode())
    assert (status, settings["script"]) == (200, [503])
    assert [post(api.url, {"n": n})[0] for n in range(2)] == [503, 201]

    status, stats, _ = send(api.url, "/_stats", None)
    assert status == 200
    assert (stats["count"], stats["created"], stats["max_in_1s"]) == (2, 1, 2)
    assert stats["arrivals"] == api.arrivals()

    assert send(api.url, "/_reset", b"")[0] == 200
    assert send(api.url, "/_stats", None)[1] == {
        "count": 0,
        "created": 0,
        "late": 0,
        "dropped": 0,
        "duplicates": 0,
        "created_twice": {},
        "max_in_1s": 0,
        "arrivals": [],
    }


def test_a_bad_config_over_http_is_a_400_and_changes_nothing(api: FakePostsApi) -> None:
    bad = {"latency": 0.5, "error_rate": 2}
    status, answer, _ = send(api.url, "/_config", json.dumps(bad).encode())
    assert status == 400
    assert "error_rate" in answer["error"]
    assert send(api.url, "/_config", json.dumps({"script": ["slow"]}).encode())[0] == 400
    assert send(api.url, "/_config", b"{}")[1] == {
        "latency": 0.0,
        "error_rate": 0.0,
        "late_rate": 0.0,
        "drop_rate": 0.0,
        "hang": 5.0,
        "script": [],
    }


def test_the_command_line_prints_its_url_and_stops_on_sigterm() -> None:
    command = [sys.executable, "-m", "infra.local.fake_posts_api", "--port", "0", "--latency", "0"]
    with subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as process:
        try:
            assert process.stdout is not None
            url = process.stdout.readline().strip()
            assert url.startswith("http://127.0.0.1:")
            assert post(url, {"x": 1})[:2] == (201, {"id": 1, "x": 1})
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=5) == 0
        finally:
            process.kill()
        assert process.communicate()[1] == ""  # quiet: no request log


# -- lifecycle and logging


def test_start_and_stop_without_a_with_block() -> None:
    api = FakePostsApi().start()
    url = api.url
    assert post(url, {})[0] == 201
    api.stop()
    with pytest.raises(RuntimeError, match="not running"):
        _ = api.url
    with pytest.raises(urllib.error.URLError):
        post(url, {}, timeout=1.0)


def test_requests_are_logged_only_when_verbose(capfd: pytest.CaptureFixture[str]) -> None:
    with FakePostsApi() as quiet:
        post(quiet.url, {})
    assert capfd.readouterr().err == ""
    with FakePostsApi(verbose=True) as loud:
        post(loud.url, {})
    assert '"POST /posts HTTP/1.1" 201' in capfd.readouterr().err


# -- posts created but answered late or never


def test_a_scripted_drop_creates_the_post_and_closes_the_connection_unanswered(api: FakePostsApi) -> None:
    api.script(["drop"])
    with pytest.raises((ConnectionError, urllib.error.URLError, http.client.HTTPException)):
        post(api.url, {"title": "lost answer"})
    assert post(api.url, {"title": "next"})[:2] == (201, {"id": 2, "title": "next"})
    assert [(call["status"], call["answer"]) for call in api.calls()] == [(201, "dropped"), (201, "normal")]
    assert api.stats()["dropped"] == 1


def test_late_and_drop_rates_create_every_post_and_answer_some_late_or_never() -> None:
    with FakePostsApi(hang=0.1, late_rate=0.3, drop_rate=0.3, seed=4) as api:
        outcomes = []
        for n in range(20):
            try:  # a timeout long enough for the late answers: only the dropped ones go unanswered
                outcomes.append(post(api.url, {"title": f"t{n}"}, timeout=10)[0])
            except (ConnectionError, urllib.error.URLError, http.client.HTTPException):
                outcomes.append(0)
        stats = api.stats()
        calls = api.calls()
    assert stats["created"] == 20
    assert stats["late"] > 0
    assert stats["dropped"] > 0
    assert outcomes == [0 if call["answer"] == "dropped" else 201 for call in calls]
    assert stats["duplicates"] == 0


def test_rates_are_checked_together_and_set_over_http(api: FakePostsApi) -> None:
    with pytest.raises(ValueError, match="at most 1"):
        api.configure(error_rate=0.5, late_rate=0.4, drop_rate=0.2)
    with pytest.raises(ValueError, match="drop_rate"):
        api.configure(drop_rate=-0.1)
    config = {"late_rate": 0.05, "drop_rate": 0.05, "hang": 3}
    status, settings, _ = send(api.url, "/_config", json.dumps(config).encode())
    assert status == 200
    assert (settings["late_rate"], settings["drop_rate"], settings["hang"]) == (0.05, 0.05, 3.0)
    assert send(api.url, "/_config", json.dumps({"late_rate": 0.99}).encode())[0] == 400


def test_stats_count_the_posts_created_twice(api: FakePostsApi) -> None:
    for title in ("a", "b", "a", "c", "a", "b"):
        post(api.url, {"title": title, "body": "x"})
    post(api.url, {"no": "title"})
    stats = api.stats()
    assert (stats["created"], stats["duplicates"], stats["created_twice"]) == (7, 3, {"a": 3, "b": 2})
    assert send(api.url, "/_stats", None)[1]["created_twice"] == {"a": 3, "b": 2}


def test_the_command_line_takes_the_late_and_drop_rates() -> None:
    command = [sys.executable, "-m", "infra.local.fake_posts_api", "--port", "0", "--latency", "0"]
    command += ["--drop-rate", "1", "--seed", "1"]
    with subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as process:
        try:
            assert process.stdout is not None
            url = process.stdout.readline().strip()
            with pytest.raises((ConnectionError, urllib.error.URLError, http.client.HTTPException)):
                post(url, {"title": "x"})
            assert send(url, "/_stats", None)[1]["dropped"] == 1
        finally:
            process.kill()
            process.communicate()
