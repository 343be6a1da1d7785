"""/calculations: create (validated), run on the worker, fetch with optional fields, list in pages."""

from __future__ import annotations

import json
from typing import Any

import pytest
from chalice.test import Client

from tests.functional.delivery import Queues

GOOD = {"date_start": "2020-01-01", "date_fin": "2020-03-31", "lag": 7}


def create(client: Client, body: dict[str, Any] | None = None) -> str:
    response = client.http.post(
        "/calculations", body=json.dumps(body or GOOD), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 201, response.body
    return str(json.loads(response.body)["id"])


def get(client: Client, path: str) -> tuple[int, Any]:
    response = client.http.get(path)
    return response.status_code, json.loads(response.body)


def run_all(queues: Queues) -> None:
    queues.drain()


def test_a_calculation_is_queued_then_has_its_table(client: Client, queues: Queues) -> None:
    calculation = create(client)
    status, body = get(client, f"/calculations/{calculation}")
    assert status == 200
    assert body == {"id": calculation, "launched_at": body["launched_at"], "status": "queued", "result": None}

    run_all(queues)

    status, body = get(client, f"/calculations/{calculation}")
    assert body["status"] == "succeeded"
    assert [row["date"] for row in body["result"]][:3] == ["2020-01-01", "2020-01-08", "2020-01-15"]
    assert len(body["result"]) == 13  # 90 days // 7 + 1
    assert all(0 <= row["wct"] <= 1 and row["water"] >= 0 for row in body["result"])


def test_optional_fields_on_request(client: Client, queues: Queues) -> None:
    calculation = create(client, {**GOOD, "name": "well 7"})
    assert get(client, f"/calculations/{calculation}?fields=name,duration")[1]["duration"] is None
    run_all(queues)

    status, body = get(client, f"/calculations/{calculation}?fields=name,duration")

    assert status == 200
    assert body["name"] == "well 7"
    assert 0 < body["duration"] < 5
    assert "name" not in get(client, f"/calculations/{calculation}")[1]
    assert set(get(client, f"/calculations/{calculation}?fields=duration")[1]) == {
        "id",
        "launched_at",
        "status",
        "result",
        "duration",
    }


def test_a_default_name_says_what_was_computed(client: Client) -> None:
    calculation = create(client)
    assert (
        get(client, f"/calculations/{calculation}?fields=name")[1]["name"] == "kernel 2020-01-01..2020-03-31 every 7 d"
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**GOOD, "date_start": "2020-13-01"}, "date_start"),
        ({**GOOD, "date_fin": "31.03.2020"}, "date_fin"),
        ({**GOOD, "date_start": "2020-04-01"}, "date_start"),
        ({"date_start": "2020-01-01", "date_fin": "2020-03-31"}, "lag"),
        ({**GOOD, "lag": "seven"}, "lag"),
        ({**GOOD, "lag": 0}, "lag"),
        ({**GOOD, "priority": 1}, "priority"),
        ({**GOOD, "name": ""}, "name"),
    ],
)
def test_bad_bodies_get_a_400_naming_the_field(client: Client, body: dict[str, Any], field: str) -> None:
    response = client.http.post("/calculations", body=json.dumps(body), headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert json.loads(response.body)["Message"].startswith(f"{field}:")


def test_a_body_that_is_not_json(client: Client) -> None:
    as_json = client.http.post("/calculations", body="date_start=2020", headers={"Content-Type": "application/json"})
    assert as_json.status_code == 400
    assert json.loads(as_json.body)["Message"].startswith("body:")
    as_text = client.http.post("/calculations", body="date_start=2020", headers={"Content-Type": "text/plain"})
    assert as_text.status_code == 415
    assert "text/plain" in json.loads(as_text.body)["Message"]


@pytest.mark.parametrize(
    ("query", "field"),
    [("fields=name,colour", "fields"), ("fields=result", "fields"), ("verbose=1", "verbose")],
)
def test_bad_detail_parameters(client: Client, query: str, field: str) -> None:
    status, body = get(client, f"/calculations/{create(client)}?{query}")
    assert status == 400
    assert body["Message"].startswith(f"{field}:")


def test_unknown_ids_and_other_kinds_are_404(client: Client) -> None:
    assert get(client, "/calculations/nope")[0] == 404
    metric_job = json.loads(client.http.post("/launch").body)["job_id"]
    status, body = get(client, f"/calculations/{metric_job}")
    assert status == 404
    assert body["Message"].startswith("id:")


def test_pages_hold_every_calculation_once_in_both_orders(client: Client) -> None:
    ids = [create(client, {**GOOD, "name": f"run {number}"}) for number in range(23)]

    def pages(order: str) -> list[dict[str, Any]]:
        found, page = [], 1
        while True:
            status, body = get(client, f"/calculations?order={order}&page={page}")
            assert status == 200
            assert body["page"] == page
            assert body["per_page"] == 10
            assert len(body["items"]) == (10 if page < 3 else 3)
            found += body["items"]
            if not body["has_more"]:
                return found
            page += 1

    descending, ascending = pages("desc"), pages("asc")
    assert [item["id"] for item in ascending] == ids
    assert descending == ascending[::-1]
    assert set(descending[0]) == {"id", "name", "launched_at", "status"}
    assert descending[0]["name"] == "run 22"
    assert descending[0]["status"] == "queued"
    assert get(client, "/calculations")[1]["items"] == descending[:10]
    assert get(client, "/calculations?page=4")[1] == {
        "items": [],
        "page": 4,
        "per_page": 10,
        "order": "desc",
        "has_more": False,
    }


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("page=0", "page"),
        ("page=-1", "page"),
        ("page=two", "page"),
        ("page=1.5", "page"),
        ("order=newest", "order"),
        ("sort=asc", "sort"),
    ],
)
def test_bad_listing_parameters(client: Client, query: str, field: str) -> None:
    status, body = get(client, f"/calculations?{query}")
    assert status == 400
    assert body["Message"].startswith(f"{field}:")


def test_a_century_every_day_is_stored_in_s3_and_returned_whole(client: Client, queues: Queues) -> None:
    calculation = create(client, {"date_start": "1925-01-01", "date_fin": "2024-12-31", "lag": 1})
    run_all(queues)

    status, body = get(client, f"/calculations/{calculation}")

    assert status == 200
    assert body["status"] == "succeeded"
    assert len(body["result"]) == 36_525
    assert body["result"][-1]["date"] == "2024-12-31"


def test_many_submitted_back_to_back_all_run(client: Client, queues: Queues) -> None:
    ids = [create(client) for _ in range(30)]
    run_all(queues)
    assert {get(client, f"/calculations/{calculation}")[1]["status"] for calculation in ids} == {"succeeded"}
