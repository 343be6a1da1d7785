"""Sending a post: once a request may have reached the API it is never sent again; only failures
that prove nothing was created (no connection, a 429) are retried. A fake API over real HTTP and an
in-memory limiter (no DynamoDB)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from botocore.exceptions import ClientError

from chalicelib.imports import posts_api
from chalicelib.imports.limiter import RateLimiter, now_ms
from infra.local.fake_posts_api import FakePostsApi, ScriptEntry
from infra.local.processes import free_port


class MemoryLimiter(RateLimiter):
    """The shared limiter's rules without DynamoDB: slots 1 ms apart, or none after ``slots`` are used."""

    def __init__(self, slots: int = 100) -> None:
        super().__init__("memory", per_second=1000, sleep=lambda seconds: None)
        self.left = slots
        self.reserved = 0
        self.pushed: list[int] = []

    def reserve(self, max_wait: float) -> int | None:
        if self.left == 0:
            return None
        self.left -= 1
        self.reserved += 1
        return max([now_ms(), *self.pushed])

    def push_back(self, until_ms: int) -> None:
        self.pushed.append(until_ms)


@pytest.fixture
def api() -> Iterator[FakePostsApi]:
    with FakePostsApi(hang=2.5) as fake:
        yield fake


def send(api: FakePostsApi, script: list[ScriptEntry], limiter: RateLimiter | None = None) -> posts_api.Outcome:
    api.script(script)
    return posts_api.send(api.url, {"title": "t"}, limiter or MemoryLimiter(), max_wait=10)


@pytest.mark.parametrize(
    ("script", "error"),
    [
        (["timeout"], "no answer within 2 s; the post may exist; not sent again"),
        ([500], "HTTP 500; the post may exist; not sent again"),
        ([502], "HTTP 502; the post may exist; not sent again"),
        ([503], "HTTP 503; the post may exist; not sent again"),
        ([504], "HTTP 504; the post may exist; not sent again"),
    ],
)
def test_a_request_that_may_have_created_the_post_is_not_sent_again(
    api: FakePostsApi, script: list[ScriptEntry], error: str
) -> None:
    outcome = send(api, [*script, 201, 201])
    assert (outcome.result, outcome.error, outcome.post_id) == (posts_api.UNKNOWN, error, None)
    assert len(api.calls()) == 1


def test_a_429_is_retried_in_a_new_slot(api: FakePostsApi) -> None:
    limiter = MemoryLimiter()
    outcome = send(api, [429, 429, 201], limiter)
    assert (outcome.result, outcome.post_id, outcome.attempts) == (posts_api.OK, 1, 3)
    assert [call["status"] for call in api.calls()] == [429, 429, 201]
    assert limiter.reserved == 4  # one slot per attempt, and the next row's


def test_other_4xx_are_errors_not_retried(api: FakePostsApi) -> None:
    outcome = send(api, [400, 201])
    assert (outcome.result, outcome.error) == (posts_api.ERROR, "HTTP 400")
    assert len(api.calls()) == 1


def test_a_refused_connection_is_retried_and_then_an_error() -> None:
    outcome = posts_api.send(f"http://127.0.0.1:{free_port()}", {"title": "t"}, MemoryLimiter(), max_wait=10)
    assert outcome.result == posts_api.ERROR
    assert outcome.attempts == posts_api.ATTEMPTS
    assert outcome.error is not None
    assert outcome.error.startswith("could not connect")


def test_a_retry_without_a_slot_after_a_request_left_records_the_row(api: FakePostsApi) -> None:
    """Defect 2: the first request timed out (the post was created); the retry finds no slot. The
    row must be recorded, not handed back to be sent by a later delivery."""
    outcome = send(api, ["timeout"], MemoryLimiter(slots=1))
    assert outcome.result == posts_api.UNKNOWN
    assert len(api.created()) == 1


def test_no_slot_before_any_request_hands_the_row_back(api: FakePostsApi) -> None:
    with pytest.raises(posts_api.NotSent):
        send(api, [201], MemoryLimiter(slots=0))
    assert api.calls() == []


def test_a_429_then_no_slot_hands_the_row_back(api: FakePostsApi) -> None:
    with pytest.raises(posts_api.NotSent):
        send(api, [429, 201], MemoryLimiter(slots=1))
    assert api.created() == []


def test_a_429_pushes_back_the_shared_schedule_by_its_retry_after(api: FakePostsApi) -> None:
    limiter = MemoryLimiter()
    before = now_ms()
    send(api, [429, 201], limiter)
    [pushed] = limiter.pushed
    assert pushed >= before + 1000  # the fake answers 429 with Retry-After: 1


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        (None, None),
        ("3", 3.0),
        (" 0 ", 0.0),
        ("100000", posts_api.MAX_RETRY_AFTER),
        ("Wed, 21 Oct 2015 07:28:10 GMT", 10.0),
        ("Wed, 21 Oct 2015 07:27:00 GMT", 0.0),
        ("soon", None),
        ("-1", None),
    ],
)
def test_retry_after_in_seconds_or_as_a_date(header: str | None, seconds: float | None) -> None:
    now = 1445412480.0  # Wed, 21 Oct 2015 07:28:00 GMT
    assert posts_api.retry_after_seconds(header, now=now) == seconds


class FailingLimiter(MemoryLimiter):
    """A limiter whose DynamoDB item cannot be read (throttled past the SDK's retries)."""

    def reserve(self, max_wait: float) -> int | None:
        raise ClientError({"Error": {"Code": "ThrottlingException", "Message": "slow down"}}, "GetItem")


def test_a_limiter_that_fails_before_any_request_hands_the_row_back_with_the_error(api: FakePostsApi) -> None:
    with pytest.raises(posts_api.Unsent) as raised:
        send(api, [201], FailingLimiter())
    assert isinstance(raised.value.__cause__, ClientError)
    assert api.calls() == []
