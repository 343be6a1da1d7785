"""The service through real HTTP on the local stack: /health, /logs, /launch, /get_result, /jobs,
the worker running jobs from SQS, a message that keeps failing ending in the DLQ, and a job whose
worker vanished running again when its lease ends."""

from __future__ import annotations

import http.client
import json
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from urllib3 import encode_multipart_formdata

from chalicelib import clock
from chalicelib.records.tables import SALES, SALES_DETAIL
from tests.oracle import latest
from tests.stack import SALES_ROWS, Service

pytestmark = pytest.mark.integration


def get(service: Service, path: str, **params: str) -> requests.Response:
    return requests.get(f"{service.api}{path}", params=params, timeout=10)


def wait_for_status(service: Service, job_id: str, statuses: set[str], timeout: float = 30) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        answer = get(service, "/get_result", job_id=job_id).json()
        if answer["status"] in statuses:
            return dict(answer)
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} did not reach {statuses} in {timeout} s: {answer}")


def test_health(service: Service) -> None:
    response = get(service, "/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_the_loader_reported_every_row(service: Service) -> None:
    """Loaded by 4 threads in tasks of 100 rows (tests/conftest.py): every row is in the table."""
    detail_rows = sum(1 for _ in service.data[1].open()) - 1
    summaries = [line.strip() for line in service.load_output.splitlines() if "rows loaded" in line]
    assert [line.split(" in ")[0] for line in summaries] == [
        f"sales: {SALES_ROWS:,} rows loaded",
        f"sales_detail: {detail_rows:,} rows loaded",
    ]
    assert all(line.endswith(", 0 invalid") for line in summaries)
    for table, rows in ((SALES, SALES_ROWS), (SALES_DETAIL, detail_rows)):
        scan = service.dynamodb().get_paginator("scan")
        pages = scan.paginate(TableName=f"jobsvc-local-{table.name}", Select="COUNT")
        assert sum(page["Count"] for page in pages) == rows


@pytest.mark.parametrize(
    "params",
    [{}, {"from_date": "2022-03-20"}, {"from_date": "2022-04-01 20:00:00"}, {"from_date": "2023-01-01"}],
)
def test_logs_over_http_match_the_files(service: Service, params: dict[str, str]) -> None:
    for table, path in ((SALES, service.data[0]), (SALES_DETAIL, service.data[1])):
        response = get(service, "/logs", table_name=table.name, **params)
        assert response.status_code == 200
        body = response.json()
        assert body["records"] == latest(path, from_date=params.get("from_date"))
        assert body["items_read"] == len(body["records"]) <= 100


def test_logs_of_one_user(service: Service) -> None:
    user = latest(service.data[0])[0]["user_id"]
    body = get(service, "/logs", table_name="sales", user_id=user).json()
    assert body["records"] == latest(service.data[0], user_id=user)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "table_name"),
        ({"table_name": "orders"}, "table_name"),
        ({"table_name": "sales", "from_date": "2022-02-31"}, "from_date"),
    ],
)
def test_bad_logs_requests_get_400_naming_the_parameter(service: Service, params: dict[str, str], field: str) -> None:
    response = get(service, "/logs", **params)
    assert response.status_code == 400
    assert response.json()["Message"].startswith(f"{field}:")


def test_a_launched_metric_succeeds_with_an_exact_integer(service: Service) -> None:
    response = requests.post(f"{service.api}/launch", timeout=10)
    assert response.status_code == 202
    job_id = response.json()["job_id"]

    answer = wait_for_status(service, job_id, {"succeeded", "failed"})

    assert answer["status"] == "succeeded"
    assert answer["result"].isdigit()
    assert abs(int(answer["result"]) - 166_666_658_333_333_500_000) < 10**18
    job = get(service, f"/jobs/{job_id}").json()
    assert job["attempts"] == 1
    assert job["duration"] > 0


def test_many_launches_at_once_all_finish(service: Service) -> None:
    with ThreadPoolExecutor(8) as pool:
        ids = list(pool.map(lambda _: requests.post(f"{service.api}/launch", timeout=10).json()["job_id"], range(12)))
    answers = [wait_for_status(service, job_id, {"succeeded", "failed"}) for job_id in ids]
    assert len(set(ids)) == 12
    assert {answer["status"] for answer in answers} == {"succeeded"}
    assert len({answer["result"] for answer in answers}) == 12


def test_unknown_and_missing_job_ids(service: Service) -> None:
    assert get(service, "/get_result", job_id="no-such-job").status_code == 404
    assert get(service, "/jobs/no-such-job").status_code == 404
    assert get(service, "/get_result").status_code == 400


def test_a_repeated_parameter_is_a_400_naming_it(service: Service) -> None:
    response = requests.get(f"{service.api}/logs?table_name=sales&table_name=sales_detail", timeout=10)
    assert response.status_code == 400
    assert response.json()["Message"] == "table_name: is given 2 times; give it once"


@pytest.mark.parametrize(
    ("path", "content"),
    [("/imports", b"userId,title,body\n1,a,b\n"), ("/reports", b"Song,Date,Number of Plays\nx,2020-01-01,1\n")],
)
def test_a_utf8_content_type_on_an_upload_is_a_400_naming_the_header(
    service: Service, path: str, content: bytes
) -> None:
    """Defect 12: the header's bytes as a client sends them (http.client would refuse to encode them)."""
    body, content_type = encode_multipart_formdata({"file": ("f.csv", content, "text/csv")})
    url = urlsplit(service.api)
    connection = http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port, timeout=10)
    try:
        connection.putrequest("POST", path)
        connection.putheader("Content-Type", (content_type + "; charset=\u00fctf-8\u2192").encode())
        connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body)
        response = connection.getresponse()
        answer = json.loads(response.read())
    finally:
        connection.close()
    assert response.status == 400, answer
    assert answer["Message"].startswith("Content-Type: must be ASCII text")


def put_job(service: Service, job_id: str, **fields: dict[str, str]) -> None:
    """A job record written by hand, with its message sent."""
    item = {
        "id": {"S": job_id},
        "kind": {"S": "metric"},
        "name": {"S": job_id},
        "params": {"S": "{}"},
        "status": {"S": "queued"},
        "attempts": {"N": "0"},
        "progress": {"N": "0"},
        "created_at": {"S": "2026-01-01T00:00:00.000Z"},
        "updated_at": {"S": "2026-01-01T00:00:00.000Z"},
        **fields,
    }
    service.dynamodb().put_item(TableName="jobsvc-local-jobs", Item=item)
    sqs = service.sqs()
    sqs.send_message(
        QueueUrl=sqs.get_queue_url(QueueName="jobsvc-local-jobs")["QueueUrl"],
        MessageBody=json.dumps({"job_id": job_id, "kind": "metric", "seq": 0}),
    )


def test_a_message_that_keeps_failing_ends_in_the_dlq_and_fails_its_job(service: Service) -> None:
    """A record DynamoDB refuses to claim (its ``attempts`` is a string, so adding 1 fails): every
    delivery fails, SQS dead-letters the message, and the dead-letter handler fails the job with
    a reason. The record is read as DynamoDB holds it (the API cannot read such a record)."""
    job_id = "cannot-be-claimed"
    put_job(service, job_id, attempts={"S": "1"})

    deadline = time.monotonic() + 40
    item: dict[str, Any] = {}
    while time.monotonic() < deadline and item.get("status", {}).get("S") != "failed":
        item = service.dynamodb().get_item(TableName="jobsvc-local-jobs", Key={"id": {"S": job_id}})["Item"]
        time.sleep(0.1)

    assert item["status"]["S"] == "failed"
    assert item["error"]["S"] == "gave up: its message was delivered 2 times without finishing"


def test_a_job_held_by_a_lost_worker_runs_again_when_its_lease_ends(service: Service) -> None:
    """A worker claimed the job and vanished: its message, finding the job busy, waits for the
    lease's end (not a receive wasted on each visibility timeout), then claims and runs it."""
    job_id = "held-by-a-lost-worker"
    lease_end = clock.now() + timedelta(seconds=3)
    put_job(
        service,
        job_id,
        status={"S": "running"},
        attempts={"N": "1"},
        lease_until={"S": clock.iso(lease_end)},
    )

    answer = wait_for_status(service, job_id, {"failed", "succeeded"}, timeout=40)

    assert answer["status"] == "succeeded"
    assert get(service, f"/jobs/{job_id}").json()["attempts"] == 2
