"""GET /jobs in-process on moto: every kind newest first, the filters, cursor paging (every job once,
equal launch times included), bad input as 400s naming the parameter; and ``listing.oldest``."""

from __future__ import annotations

import base64
import json
import string
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from chalice.test import Client

from chalicelib import clock
from chalicelib.aws import clients
from chalicelib.jobs import listing, store
from chalicelib.jobs.model import Job
from chalicelib.jobs.registry import KINDS
from infra.backfill import backfill_list_key
from tests import paging

FIELDS = {"id", "kind", "name", "status", "progress", "created_at", "started_at", "finished_at", "duration", "attempts"}


@pytest.fixture
def make_job(aws: None, monkeypatch: pytest.MonkeyPatch) -> Callable[..., str]:
    """Write a job of ``kind`` created at ``at``, then put it in ``status``; its id."""

    def make(kind: str, at: datetime, status: str = "queued") -> str:
        with monkeypatch.context() as patch:
            patch.setattr(clock, "now", lambda: at)
            job = store.new_job(KINDS[kind], {}, f"{kind} at {clock.iso(at)}")
        if status != "queued":
            job.update(actions=[Job.status.set(status)])
        return job.id

    return make


def page(client: Client, **params: Any) -> dict[str, Any]:
    response = client.http.get(f"/jobs?{urlencode(params)}")
    assert response.status_code == 200, response.body
    return dict(json.loads(response.body))


def every_page(client: Client, **params: Any) -> list[dict[str, Any]]:
    """Each page of the listing, following next_cursor until it is null."""
    return paging.every_page(lambda **cursor: page(client, **params, **cursor), most=100)


def ids(pages: list[dict[str, Any]]) -> list[str]:
    return [item["id"] for found in pages for item in found["items"]]


def start() -> datetime:
    """A recent moment (listings show the retention period, 30 days), whole seconds."""
    return (clock.now() - timedelta(hours=2)).replace(microsecond=0)


def test_every_kind_is_listed_newest_first_with_what_a_listing_shows(
    client: Client, make_job: Callable[..., str]
) -> None:
    first = start()
    made = [make_job(kind, first + timedelta(seconds=n)) for n, kind in enumerate(list(KINDS) * 2)]

    found = page(client)

    assert [item["id"] for item in found["items"]] == made[::-1]
    assert found["next_cursor"] is None
    assert {item["kind"] for item in found["items"]} == set(KINDS) == {"metric", "calculation", "report", "import"}
    newest = found["items"][0]
    assert set(newest) == FIELDS
    assert newest == {
        "id": made[-1],
        "kind": "import",
        "name": f"import at {clock.iso(first + timedelta(seconds=7))}",
        "status": "queued",
        "progress": 0,
        "created_at": clock.iso(first + timedelta(seconds=7)),
        "started_at": None,
        "finished_at": None,
        "duration": None,
        "attempts": 0,
    }


def test_a_listed_job_shows_its_progress_times_and_attempts(client: Client, make_job: Callable[..., str]) -> None:
    job_id = make_job("metric", start())
    claim = store.claim(job_id, 0, lease_seconds=60)
    assert claim.job is not None
    store.set_progress(claim.job, claim.attempt, 0.5)
    store.succeed(claim.job, claim.attempt, "42", 1.25)

    [item] = page(client)["items"]

    record = store.get_job(job_id)
    assert (item["status"], item["progress"], item["attempts"], item["duration"]) == ("succeeded", 1, 1, 1.25)
    assert (item["started_at"], item["finished_at"]) == (record.started_at, record.finished_at)


def test_the_filters_select_by_kind_status_and_time(client: Client, make_job: Callable[..., str]) -> None:
    first = start()
    statuses = ("queued", "running", "succeeded", "failed", "cancelled")
    made: list[tuple[str, str, str, datetime]] = []  # id, kind, status, created; oldest first
    for n in range(40):
        kind, status, at = list(KINDS)[n % 4], statuses[(n // 4) % 5], first + timedelta(minutes=n)
        made.append((make_job(kind, at, status), kind, status, at))
    middle, late = first + timedelta(minutes=10), first + timedelta(minutes=30)

    queries: list[tuple[dict[str, str], Callable[[str, str, datetime], bool]]] = [
        ({"kind": "report"}, lambda k, s, at: k == "report"),
        ({"status": "failed"}, lambda k, s, at: s == "failed"),
        ({"kind": "metric", "status": "succeeded"}, lambda k, s, at: k == "metric" and s == "succeeded"),
        ({"kind": "import", "status": "cancelled"}, lambda k, s, at: k == "import" and s == "cancelled"),
        ({"kind": "calculation", "status": "running"}, lambda k, s, at: k == "calculation" and s == "running"),
        ({"since": clock.iso(middle)}, lambda k, s, at: at >= middle),
        ({"until": clock.iso(middle)}, lambda k, s, at: at < middle),
        ({"since": clock.iso(middle), "until": clock.iso(late)}, lambda k, s, at: middle <= at < late),
        (
            {"kind": "metric", "since": middle.isoformat(), "until": late.isoformat()},
            lambda k, s, at: k == "metric" and middle <= at < late,
        ),
        (
            {"status": "queued", "until": late.strftime("%Y-%m-%dT%H:%M:%S+00:00")},
            lambda k, s, at: s == "queued" and at < late,
        ),
    ]
    for params, wanted in queries:
        expected = [job_id for job_id, kind, status, at in reversed(made) if wanted(kind, status, at)]
        assert ids(every_page(client, **params, limit=3)) == expected, params
    assert expected, "the last query matches some jobs"


def test_a_time_in_another_zone_or_without_one_is_read_as_the_same_moment(
    client: Client, make_job: Callable[..., str]
) -> None:
    first = start()
    older, newer = make_job("metric", first), make_job("metric", first + timedelta(hours=1))
    moment = first + timedelta(minutes=30)
    naive = moment.replace(tzinfo=None)
    forms = [clock.iso(moment), naive.isoformat(), naive.isoformat(sep=" "), naive.isoformat(timespec="minutes")]
    forms.append(moment.astimezone().isoformat())
    forms.append(moment.astimezone(datetime.now().astimezone().tzinfo).isoformat())
    for form in forms:
        assert ids([page(client, since=form)]) == [newer], form
        assert ids([page(client, until=form)]) == [older], form


def test_times_before_the_year_1000_compare_as_times(client: Client, make_job: Callable[..., str]) -> None:
    job_id = make_job("metric", start())
    assert page(client, until="0999-01-01T00:00:00Z")["items"] == []
    assert ids([page(client, since="0999-01-01T00:00:00Z")]) == [job_id]


def test_since_after_until_is_an_empty_listing(client: Client, make_job: Callable[..., str]) -> None:
    make_job("metric", start())
    found = page(client, since="2026-11-22T10:00:00Z", until="2026-11-22T09:00:00Z")
    assert found == {"items": [], "next_cursor": None}


def test_pages_hold_every_job_once_even_with_equal_launch_times(client: Client, make_job: Callable[..., str]) -> None:
    same = start()
    made = [make_job("calculation", same) for _ in range(25)]

    pages = every_page(client, limit=7)

    assert [len(found["items"]) for found in pages] == [7, 7, 7, 4]
    assert ids(pages) == sorted(made, reverse=True)  # equal times: by id, descending
    assert ids(every_page(client, kind="calculation", limit=25)) == ids(pages)
    assert ids(every_page(client, kind="calculation", limit=5)) == ids(pages)


def test_a_page_that_exactly_ends_the_listing_has_no_cursor(client: Client, make_job: Callable[..., str]) -> None:
    for n in range(6):
        make_job("metric", start() + timedelta(seconds=n))
    pages = every_page(client, limit=3)
    assert [len(found["items"]) for found in pages] == [3, 3]
    assert pages[-1]["next_cursor"] is None


def test_kind_and_status_together_page_through_every_match_within_the_read_budget(
    client: Client, make_job: Callable[..., str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # A page reads at most MAX_READ index entries when one filter is applied to the entries read:
    # it may come back short (even empty) with a cursor, and following the cursors still lists
    # every match once.
    monkeypatch.setattr(listing, "MAX_READ", 4)
    same = start()
    made = [make_job(kind, same + timedelta(seconds=n // 3), "failed") for n, kind in enumerate(list(KINDS) * 5)]
    reports = [job_id for job_id, kind in zip(made, list(KINDS) * 5, strict=True) if kind == "report"]

    pages = every_page(client, kind="report", status="failed", limit=2)

    assert sorted(ids(pages)) == sorted(reports)
    assert len(ids(pages)) == len(reports)
    assert [item["created_at"] for found in pages for item in found["items"]] == sorted(
        (item["created_at"] for found in pages for item in found["items"]), reverse=True
    )
    assert any(len(found["items"]) < 2 and found["next_cursor"] for found in pages), "no page hit the budget"


def test_limit_is_50_by_default_and_at_most_200(client: Client, make_job: Callable[..., str]) -> None:
    for n in range(51):
        make_job("metric", start() + timedelta(milliseconds=n))
    assert len(page(client)["items"]) == 50
    assert len(page(client, limit=200)["items"]) == 51
    assert page(client, limit=51)["next_cursor"] is None


def bad(client: Client, query: str) -> str:
    response = client.http.get(f"/jobs?{query}")
    assert response.status_code == 400, (query, response.body)
    return str(json.loads(response.body)["Message"])


def encoded(payload: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("kind=robot", "kind"),
        ("kind=", "kind"),
        ("status=done", "status"),
        ("limit=0", "limit"),
        ("limit=201", "limit"),
        ("limit=ten", "limit"),
        ("limit=1.5", "limit"),
        ("since=yesterday", "since"),
        ("until=2026-13-01", "until"),
        ("since=0001-01-01T00:00:00%2B05:00", "since"),
        ("until=0.5", "until"),
        ("since=1700000000", "since"),
        ("since=2026-11-22T10:00:00%2B0500", "since"),
        ("since=2026-02-30", "since"),
        ("cursor=", "cursor"),
        ("cursor=not%20base64!", "cursor"),
        ("cursor=" + "A" * 700, "cursor"),
        ("cursor=AAAA", "cursor"),
        ("cursor=" + encoded([1, 2]), "cursor"),
        ("cursor=" + encoded({"q": [None] * 4, "id": "x", "at": "y"}), "cursor"),
        (
            "cursor=" + encoded({"q": [None] * 4, "id": "a" * 32, "at": "2026-11-22T10:00:00.000Z#" + "b" * 32}),
            "cursor",
        ),
        ("limit=1&limit=2", "limit"),
        ("colour=red", "colour"),
    ],
)
def test_bad_parameters_get_a_400_naming_the_parameter(client: Client, query: str, parameter: str) -> None:
    assert bad(client, query).startswith(f"{parameter}:")


def test_a_cursor_serves_only_the_query_that_gave_it_out(client: Client, make_job: Callable[..., str]) -> None:
    for n in range(3):
        make_job("metric", start() + timedelta(seconds=n))
    cursor = page(client, kind="metric", limit=1)["next_cursor"]
    assert cursor

    assert len(page(client, kind="metric", limit=2, cursor=cursor)["items"]) == 2  # limit may change
    for other in ("kind=report", "", "kind=metric&status=queued", "kind=metric&since=2026-01-01"):
        assert "another query" in bad(client, f"{other}&cursor={cursor}")


def test_a_tampered_cursor_is_a_400_never_a_500(client: Client, make_job: Callable[..., str]) -> None:
    for n in range(3):
        make_job("metric", start() + timedelta(seconds=n))
    cursor = page(client, limit=1)["next_cursor"]
    assert cursor
    statuses = set()
    for index in range(len(cursor)):
        for char in ("A", "_", "z"):
            tampered = cursor[:index] + char + cursor[index + 1 :]
            response = client.http.get(f"/jobs?limit=1&cursor={quote(tampered)}")
            statuses.add(response.status_code)
            assert response.status_code in (200, 400), (tampered, response.body)
            if response.status_code == 400:
                assert json.loads(response.body)["Message"].startswith("cursor:")
    assert 400 in statuses


def test_a_cursor_past_until_is_refused(client: Client, make_job: Callable[..., str]) -> None:
    moment = start()
    query = [None, None, None, clock.iso(moment)]
    late = encoded({"q": query, "id": "a" * 32, "at": f"{clock.iso(moment + timedelta(seconds=1))}#{'a' * 32}"})
    assert "until" in bad(client, f"until={quote(clock.iso(moment))}&cursor={late}")


def test_a_job_older_than_the_retention_period_is_not_listed(client: Client, make_job: Callable[..., str]) -> None:
    # GET /jobs/{id} answers 404 for it (it has expired; DynamoDB deletes it within days).
    make_job("metric", clock.now() - timedelta(days=31))
    recent = make_job("metric", start())
    assert ids([page(client)]) == [recent]


def test_oldest_finds_the_first_job_created_in_a_status(make_job: Callable[..., str]) -> None:
    first = start()
    make_job("metric", first, "succeeded")
    wanted = make_job("report", first + timedelta(seconds=1))
    make_job("metric", first + timedelta(seconds=2))

    assert listing.oldest("queued") == (wanted, clock.iso(first + timedelta(seconds=1)))
    assert listing.oldest("cancelled") is None


def test_the_cursor_alphabet_is_url_safe(client: Client, make_job: Callable[..., str]) -> None:
    for n in range(2):
        make_job("import", start() + timedelta(seconds=n))
    cursor = page(client, limit=1)["next_cursor"]
    assert set(cursor) <= set(string.ascii_letters + string.digits + "-_")


def test_records_from_before_list_key_are_listed_once_backfilled(client: Client, make_job: Callable[..., str]) -> None:
    old = make_job("metric", start())
    new = make_job("report", start() + timedelta(seconds=1))
    dynamodb, table = clients.dynamodb(), Job.Meta.table_name
    dynamodb.update_item(TableName=table, Key={"id": {"S": old}}, UpdateExpression="REMOVE list_key")
    assert ids([page(client)]) == [new]  # by_created leaves it out...
    assert ids([page(client, kind="metric")]) == [old]  # ...the other indexes do not

    assert backfill_list_key(dynamodb, table) == 1
    assert backfill_list_key(dynamodb, table) == 0

    assert ids([page(client)]) == [new, old]
