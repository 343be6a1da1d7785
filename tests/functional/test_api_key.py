"""``LOCAL_API_KEY``: where it is set the app itself asks for the key on every route that reads or
changes data, answering as API Gateway does (403 ``{"message": "Forbidden"}``); the page, its files,
the docs and /health stay open. Unset, nothing asks for a key (the local stage as before)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from chalice.test import Client

from app import app
from chalicelib.config import get_settings

KEY = "local-key-0123456789"
JOB = "0123456789abcdef" * 2
FORBIDDEN = {"message": "Forbidden"}


@pytest.fixture
def keyed(aws: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[Client]:
    monkeypatch.setenv("LOCAL_API_KEY", KEY)
    get_settings.cache_clear()
    try:
        with Client(app, stage_name="local") as test_client:
            yield test_client
    finally:
        get_settings.cache_clear()


READS = [
    "/logs?table_name=sales",
    f"/get_result?job_id={JOB}",
    f"/jobs/{JOB}",
    f"/imports/{JOB}/results",
    "/calculations",
]


@pytest.mark.parametrize("path", READS)
@pytest.mark.parametrize("headers", [{}, {"x-api-key": "wrong"}, {"x-api-key": KEY + "x"}, {"x-api-key": ""}])
def test_a_read_without_the_key_is_forbidden_as_api_gateway_says(keyed: Client, path, headers) -> None:
    response = keyed.http.get(path, headers=headers)
    assert response.status_code == 403
    assert json.loads(response.body) == FORBIDDEN


def test_a_change_without_the_key_is_forbidden_and_nothing_is_queued(keyed: Client) -> None:
    response = keyed.http.post("/launch")
    assert (response.status_code, json.loads(response.body)) == (403, FORBIDDEN)


def test_with_the_key_the_routes_answer_as_before(keyed: Client) -> None:
    launched = keyed.http.post("/launch", headers={"x-api-key": KEY})
    assert launched.status_code == 202
    job_id = json.loads(launched.body)["job_id"]
    found = keyed.http.get(f"/jobs/{job_id}", headers={"x-api-key": KEY})
    assert found.status_code == 200
    assert json.loads(found.body)["status"] == "queued"
    assert keyed.http.get(f"/jobs/{JOB}", headers={"X-Api-Key": KEY}).status_code == 404  # header names: any case


@pytest.mark.parametrize("path", ["/", "/static/app.js", "/docs", "/docs/docs.js", "/openapi.json", "/health"])
def test_the_page_its_files_the_docs_and_health_stay_open(keyed: Client, path) -> None:
    assert keyed.http.get(path).status_code == 200


@pytest.mark.parametrize("path", ["/", f"/jobs/{JOB}"])
def test_a_method_the_route_does_not_have_is_still_a_405_not_a_403(keyed: Client, path) -> None:
    assert keyed.http.put(path).status_code == 405


def test_health_shows_no_job_data(keyed: Client) -> None:
    job_id = json.loads(keyed.http.post("/launch", headers={"x-api-key": KEY}).body)["job_id"]
    body = keyed.http.get("/health").body.decode()
    assert job_id not in body
    assert "calculate_metric" not in body


def test_without_local_api_key_no_route_asks_for_one(client: Client) -> None:
    assert get_settings().local_api_key == ""
    assert client.http.get(f"/jobs/{JOB}").status_code == 404
    assert client.http.post("/launch").status_code == 202
