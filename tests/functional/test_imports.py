"""/imports: every valid row sent once to the posts API (a local fake), retried within the rate
limit, recorded row by row; resumable; invalid rows and files reported clearly."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from chalice.test import Client
from urllib3 import encode_multipart_formdata

from chalicelib.aws import clients
from chalicelib.config import get_settings
from chalicelib.jobs import store
from infra.local.fake_posts_api import FakePostsApi
from tests.functional.delivery import Queues

GOOD = b'userId,title,body\n1,first,hello\n2,"second, with comma",world\n3,third,"multi\nline"\n'


@pytest.fixture
def posts_api(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakePostsApi]:
    with FakePostsApi(hang=2.5) as api:
        monkeypatch.setenv("POSTS_API_URL", api.url)
        monkeypatch.setenv("POSTS_PER_SECOND", "50")  # the limit itself is tested against DynamoDB Local
        get_settings.cache_clear()
        yield api
    get_settings.cache_clear()


def upload(client: Client, content: bytes, mime: str = "text/csv", field: str = "file") -> Any:
    body, content_type = encode_multipart_formdata({field: ("posts.csv", content, mime)})
    return client.http.post("/imports", body=body, headers={"Content-Type": content_type})


def run_import(client: Client, queues: Queues, content: bytes) -> str:
    response = upload(client, content)
    assert response.status_code == 202, response.body
    while queues.deliver():
        pass
    return str(json.loads(response.body)["id"])


def status(client: Client, import_id: str) -> dict[str, Any]:
    return dict(json.loads(client.http.get(f"/imports/{import_id}").body))


def results(client: Client, import_id: str, query: str = "") -> dict[str, Any]:
    return dict(json.loads(client.http.get(f"/imports/{import_id}/results{query}").body))


def test_each_valid_row_is_sent_once_and_recorded(client: Client, queues: Queues, posts_api: FakePostsApi) -> None:
    content = GOOD + b"x,bad user,text\n4,,empty title\n5,fifth,last\n"
    import_id = run_import(client, queues, content)

    answer = status(client, import_id)
    assert answer["status"] == "succeeded" and answer["progress"] == 1
    assert {key: answer[key] for key in ("rows_total", "rows_in", "rows_invalid", "rows_sent", "rows_failed")} == {
        "rows_total": 6,
        "rows_in": 6,
        "rows_invalid": 2,
        "rows_sent": 4,
        "rows_failed": 0,
    }
    assert [post["title"] for post in posts_api.created()] == ["first", "second, with comma", "third", "fifth"]
    assert posts_api.created()[2]["body"] == "multi\nline"
    rows = results(client, import_id)["results"]
    assert [(row["line"], row["userId"], row["result"], row["postId"]) for row in rows] == [
        (2, 1, "ok", 1),
        (3, 2, "ok", 2),
        (4, 3, "ok", 3),
        (6, None, "error", None),
        (7, 4, "error", None),
        (8, 5, "ok", 4),
    ]
    assert rows[3]["error"] == "invalid: userId 'x' is not a whole number from 1 to 2,147,483,647"
    assert rows[4]["error"] == "invalid: title is empty"
    # Every item, the summary and the invalid rows too, expires with its job (DynamoDB's TTL).
    items = clients.dynamodb().scan(TableName=get_settings().import_rows_table)["Items"]
    assert len(items) == 7 and all(float(item["expires_at"]["N"]) > time.time() + 29 * 86_400 for item in items)


HOSTILE = (
    b"userId,title,body\n"
    + b"1,first,hello\n"  # line 2
    + "--5,a,b\n\u00b2,a,b\n\uff11,a,b\n".encode()  # 3-5: '--5', superscript two, full-width one
    + b"1" * 39
    + b",a,b\n"  # 6: more digits than DynamoDB's N holds
    + b"2,second,ok\n"  # 7
    + b"3,"
    + b"t" * 1001
    + b",b\n"  # 8
    + b"4,nul\0here,b\n"  # 9
    + b"5,bad \xff byte,b\n"  # 10
    + b"6,third,ok\n"  # 11
    + b'7,"unclosed,b\n8,never,sent\n'  # 12-13
)


def test_a_hostile_files_valid_rows_are_sent_and_each_bad_one_is_reported_by_line(
    client: Client, queues: Queues, posts_api: FakePostsApi
) -> None:
    import_id = run_import(client, queues, HOSTILE)

    answer = status(client, import_id)
    assert answer["status"] == "succeeded", answer
    assert (answer["rows_in"], answer["rows_invalid"], answer["rows_sent"]) == (11, 8, 3)
    assert [post["userId"] for post in posts_api.created()] == [1, 2, 6]
    rule = "is not a whole number from 1 to 2,147,483,647"
    assert [(row["line"], row["error"]) for row in results(client, import_id)["results"] if row.get("error")] == [
        (3, f"invalid: userId '--5' {rule}"),
        (4, f"invalid: userId '\u00b2' {rule}"),
        (5, f"invalid: userId '\uff11' {rule}"),
        (6, f"invalid: userId '{'1' * 39}' {rule}"),
        (8, "invalid: title has 1,001 characters, at most 1,000"),
        (9, "invalid: line 9 holds a NUL byte (at column 6)"),
        (10, "invalid: line 10 is not UTF-8 (byte 0xff at column 7)"),
        (
            12,
            "invalid: a quoted field is never closed (a missing quote?): the row runs to the end of the file"
            " (the row spans lines 12-13)",
        ),
    ]


def test_429_and_5xx_are_retried_and_other_errors_are_not(
    client: Client, queues: Queues, posts_api: FakePostsApi
) -> None:
    posts_api.script([429, 500, 201, 400])
    import_id = run_import(client, queues, b"userId,title,body\n1,a,b\n2,c,d\n")
    rows = results(client, import_id)["results"]
    assert [row["result"] for row in rows] == ["ok", "error"]
    assert rows[1]["error"] == "HTTP 400"
    assert [call["status"] for call in posts_api.calls()] == [429, 500, 201, 400]
    assert status(client, import_id)["rows_failed"] == 1


def test_a_call_that_keeps_timing_out_is_an_error_with_the_reason(
    client: Client, queues: Queues, posts_api: FakePostsApi
) -> None:
    posts_api.script(["timeout", "timeout", "timeout"])
    import_id = run_import(client, queues, b"userId,title,body\n1,a,b\n")
    [row] = results(client, import_id)["results"]
    assert row["result"] == "error" and row["error"] == "no answer within 2 s (after 3 attempts)"


def test_a_duplicate_delivery_sends_nothing_twice(client: Client, queues: Queues, posts_api: FakePostsApi) -> None:
    response = upload(client, GOOD)
    job_id = json.loads(response.body)["id"]
    queues.sqs.send_message(
        QueueUrl=queues.url(get_settings().imports_queue), MessageBody=json.dumps({"job_id": job_id})
    )
    while queues.deliver():
        pass
    assert len(posts_api.created()) == 3
    assert status(client, job_id)["rows_sent"] == 3


def test_an_import_resumes_in_slices_without_sending_twice(
    client: Client, queues: Queues, posts_api: FakePostsApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IMPORT_SLICE_SECONDS", "0")  # stop after every row, continue in a new message
    get_settings.cache_clear()
    import_id = run_import(client, queues, GOOD + b"4,four,x\n5,five,y\n")
    job = store.get_job(import_id)
    assert job.status == "succeeded" and job.attempts == 5
    assert [post["userId"] for post in posts_api.created()] == [1, 2, 3, 4, 5]


def test_a_row_whose_worker_died_mid_request_is_not_sent_again(
    client: Client, queues: Queues, posts_api: FakePostsApi
) -> None:
    response = upload(client, GOOD)
    job_id = json.loads(response.body)["id"]
    import_id = store.get_job(job_id).params["import_id"]
    table = get_settings().import_rows_table
    done = {"import_id": {"S": import_id}, "line": {"N": "2"}, "result": {"S": "ok"}, "postId": {"N": "41"}}
    clients.dynamodb().put_item(TableName=table, Item=done)  # line 2 went through, then the worker
    sending = {"import_id": {"S": import_id}, "line": {"N": "3"}, "result": {"S": "sending"}}
    clients.dynamodb().put_item(TableName=table, Item=sending)  # vanished while sending line 3
    while queues.deliver():
        pass
    rows = results(client, job_id)["results"]
    assert [(row["line"], row["result"], row["postId"]) for row in rows] == [
        (2, "ok", 41),
        (3, "error", None),
        (4, "ok", 1),
    ]
    assert rows[1]["error"].startswith("outcome unknown")
    assert [post["userId"] for post in posts_api.created()] == [3]


def test_results_come_in_pages(client: Client, queues: Queues, posts_api: FakePostsApi) -> None:
    content = b"userId,title,body\n" + b"".join(b"%d,t%d,b\n" % (n, n) for n in range(1, 8))
    import_id = run_import(client, queues, content)
    first = results(client, import_id, "?limit=3")
    assert [row["line"] for row in first["results"]] == [2, 3, 4] and first["next_after"] == 4
    second = results(client, import_id, f"?limit=3&after={first['next_after']}")
    assert [row["line"] for row in second["results"]] == [5, 6, 7]
    last = results(client, import_id, f"?limit=3&after={second['next_after']}")
    assert [row["line"] for row in last["results"]] == [8] and last["next_after"] is None


@pytest.mark.parametrize(
    ("content", "mime", "field", "status_code", "message"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "image/png", "file", 415, "file:"),
        (b"user,title,text\n1,a,b\n", "text/csv", "file", 400, "file: header: expected userId,title,body"),
        (GOOD, "text/csv", "upload", 400, "file:"),
    ],
)
def test_files_that_are_not_posts_csv_are_refused_at_upload(
    client: Client, content: bytes, mime: str, field: str, status_code: int, message: str
) -> None:
    response = upload(client, content, mime, field)
    assert response.status_code == status_code
    assert json.loads(response.body)["Message"].startswith(message)


def test_bad_result_paging_parameters(client: Client, queues: Queues, posts_api: FakePostsApi) -> None:
    import_id = run_import(client, queues, GOOD)
    for query, field in (("?limit=0", "limit"), ("?limit=5000", "limit"), ("?after=-1", "after"), ("?x=1", "x")):
        response = client.http.get(f"/imports/{import_id}/results{query}")
        assert response.status_code == 400 and json.loads(response.body)["Message"].startswith(f"{field}:")
    assert client.http.get("/imports/nope").status_code == 404


def test_without_a_posts_api_the_import_fails_saying_so(
    client: Client, queues: Queues, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("POSTS_API_URL", raising=False)
    get_settings.cache_clear()
    import_id = run_import(client, queues, GOOD)
    answer = status(client, import_id)
    assert answer["status"] == "failed" and "POSTS_API_URL is not set" in answer["error"]


def test_a_rate_limit_slot_too_far_away_requeues_the_import_with_a_delay(
    client: Client, queues: Queues, posts_api: FakePostsApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POSTS_MAX_WAIT", "5")
    get_settings.cache_clear()
    busy_until = str(int(time.time() * 1000) + 60_000)  # other imports hold the next minute of slots
    clients.dynamodb().put_item(
        TableName=get_settings().limits_table, Item={"name": {"S": "posts-api"}, "next_ms": {"N": busy_until}}
    )
    response = upload(client, GOOD)
    job_id = json.loads(response.body)["id"]

    assert queues.deliver() == 1

    assert store.get_job(job_id).status == "queued"
    assert results(client, job_id)["results"] == []  # the row it could not send is not left "sending"
    assert posts_api.calls() == []
    delayed = queues.sqs.get_queue_attributes(
        QueueUrl=queues.url(get_settings().imports_queue), AttributeNames=["ApproximateNumberOfMessagesDelayed"]
    )["Attributes"]["ApproximateNumberOfMessagesDelayed"]
    assert delayed == "1"
