"""/reports: a plays CSV in, totals out; small files in the request, large ones through a presigned PUT."""

from __future__ import annotations

import json
from typing import Any

import pytest
from chalice.test import Client
from urllib3 import encode_multipart_formdata

from chalicelib.aws import clients
from chalicelib.config import get_settings
from chalicelib.reports.csvfile import read_totals
from tests.functional.delivery import Queues

PLAYS = b"Song,Date,Number of Plays\nUmbrella,2020-01-02,200\nUmbrella,2020-01-01,100\nUmbrella,2020-01-01,50\n"
TOTALS = {("Umbrella", "2020-01-01"): 150, ("Umbrella", "2020-01-02"): 200}


def upload(client: Client, content: bytes, field: str = "file") -> Any:
    body, content_type = encode_multipart_formdata({field: ("plays.csv", content, "text/csv")})
    return client.http.post("/reports", body=body, headers={"Content-Type": content_type})


def post_json(client: Client, path: str, body: dict[str, Any]) -> Any:
    return client.http.post(path, body=json.dumps(body), headers={"Content-Type": "application/json"})


def report(client: Client, report_id: str) -> dict[str, Any]:
    response = client.http.get(f"/reports/{report_id}")
    assert response.status_code == 200
    return dict(json.loads(response.body))


def stored_totals(upload_id: str) -> dict[tuple[str, str], int]:
    key = f"results/{upload_id}.totals.csv"
    return read_totals(clients.s3().get_object(Bucket=get_settings().bucket, Key=key)["Body"].read())


def test_a_small_file_in_the_request_becomes_totals(client: Client, queues: Queues) -> None:
    response = upload(client, PLAYS)
    assert response.status_code == 202
    report_id = json.loads(response.body)["id"]
    assert report(client, report_id)["result_url"] is None

    queues.drain()

    answer = report(client, report_id)
    assert answer["status"] == "succeeded"
    assert answer["progress"] == 1
    assert (answer["rows_in"], answer["rows_invalid"], answer["pairs"], answer["errors"]) == (3, 0, 2, [])
    assert answer["result_url"].startswith("https://")
    assert ".totals.csv" in answer["result_url"]
    upload_id = json.loads(client.http.get(f"/jobs/{report_id}").body)["params"]["upload_id"]
    assert stored_totals(upload_id) == TOTALS


def test_a_large_file_goes_through_a_presigned_put(client: Client, queues: Queues) -> None:
    created = post_json(client, "/reports/uploads", {"size": len(PLAYS), "filename": "big.csv"})
    assert created.status_code == 201
    ticket = json.loads(created.body)
    assert ticket["method"] == "PUT"
    assert ticket["headers"]["Content-Length"] == str(len(PLAYS))
    assert f"uploads/{ticket['upload_id']}.csv" in ticket["url"]
    clients.s3().put_object(Bucket=get_settings().bucket, Key=f"uploads/{ticket['upload_id']}.csv", Body=PLAYS)

    response = post_json(client, "/reports/from-upload", {"upload_id": ticket["upload_id"], "filename": "big.csv"})
    assert response.status_code == 202
    queues.drain()

    answer = report(client, json.loads(response.body)["id"])
    assert answer["status"] == "succeeded"
    assert answer["name"] == "totals of big.csv"
    assert stored_totals(ticket["upload_id"]) == TOTALS


def test_a_presigned_file_without_the_header_fails_the_report_clearly(client: Client, queues: Queues) -> None:
    ticket = json.loads(post_json(client, "/reports/uploads", {"size": 20}).body)
    clients.s3().put_object(Bucket=get_settings().bucket, Key=f"uploads/{ticket['upload_id']}.csv", Body=b"a,b\n1,2\n")
    report_id = json.loads(post_json(client, "/reports/from-upload", {"upload_id": ticket["upload_id"]}).body)["id"]
    queues.drain()
    answer = report(client, report_id)
    assert answer["status"] == "failed"
    assert answer["result_url"] is None
    assert answer["error"] == "BadFile: header: expected Song,Date,Number of Plays, found 'a,b'"


def test_a_presigned_file_with_a_huge_line_fails_the_report_naming_the_line(client: Client, queues: Queues) -> None:
    content = PLAYS + b"\0" * (9 << 20) + b"\nUmbrella,2020-01-01,1\n"  # NUL bytes, longer than DuckDB's buffer
    ticket = json.loads(post_json(client, "/reports/uploads", {"size": len(content)}).body)
    clients.s3().put_object(Bucket=get_settings().bucket, Key=f"uploads/{ticket['upload_id']}.csv", Body=content)
    report_id = json.loads(post_json(client, "/reports/from-upload", {"upload_id": ticket["upload_id"]}).body)["id"]
    queues.drain()
    answer = report(client, report_id)
    assert answer["status"] == "failed"
    assert answer["result_url"] is None
    assert answer["error"].startswith("BadFile: line 5 is longer than 1,048,576 bytes")


def test_bad_rows_are_reported_with_line_numbers(client: Client, queues: Queues) -> None:
    report_id = json.loads(upload(client, PLAYS + b"Umbrella,yesterday,5\n").body)["id"]
    queues.drain()
    answer = report(client, report_id)
    assert (answer["rows_in"], answer["rows_invalid"]) == (4, 1)
    assert answer["errors"] == ["line 5: Date 'yesterday' is not a date like 2020-01-31"]


@pytest.mark.parametrize(
    ("send", "status", "field"),
    [
        (lambda client: upload(client, PLAYS, field="data"), 400, "file"),
        (lambda client: upload(client, b"name,age\nann,3\n"), 400, "file"),
        (lambda client: upload(client, PLAYS + b"x" * (5 * 1024 * 1024)), 413, "file"),
        (lambda client: post_json(client, "/reports/from-upload", {}), 400, "upload_id"),
        (lambda client: post_json(client, "/reports/from-upload", {"upload_id": "0" * 32}), 400, "upload_id"),
        (lambda client: post_json(client, "/reports/from-upload", {"upload_id": "0" * 32, "x": 1}), 400, "x"),
        (lambda client: post_json(client, "/reports/uploads", {}), 400, "size"),
        (lambda client: post_json(client, "/reports/uploads", {"size": 0}), 400, "size"),
        (lambda client: post_json(client, "/reports/uploads", {"size": 1_500_000_001}), 400, "size"),
        (lambda client: post_json(client, "/reports/uploads", {"size": "10"}), 400, "size"),
    ],
)
def test_bad_requests_name_the_field(client: Client, send: Any, status: int, field: str) -> None:
    response = send(client)
    assert response.status_code == status
    assert json.loads(response.body)["Message"].startswith(f"{field}:")


def test_a_file_sent_as_plain_text_is_refused(client: Client) -> None:
    response = client.http.post("/reports", body=PLAYS, headers={"Content-Type": "text/csv"})
    assert response.status_code == 415


def test_unknown_ids_and_other_kinds_are_404(client: Client) -> None:
    assert client.http.get("/reports/nope").status_code == 404
    metric_job = json.loads(client.http.post("/launch").body)["job_id"]
    assert client.http.get(f"/reports/{metric_job}").status_code == 404
