"""GET /jobs over real HTTP on the local stack (DynamoDB Local): jobs of several kinds launched
through the API are listed newest first, a kind at a time, and page by page with the cursor."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests

from tests import paging
from tests.stack import Service

pytestmark = pytest.mark.integration

CALCULATION = {"date_start": "2020-01-01", "date_fin": "2020-01-31", "lag": 1}


def listing(service: Service, **params: str) -> dict[str, Any]:
    response = requests.get(f"{service.api}/jobs", params=params, headers={"Connection": "close"}, timeout=30)
    assert response.status_code == 200, response.text
    return dict(response.json())


def every_page(service: Service, **params: str) -> list[dict[str, Any]]:
    return paging.every_page(lambda **cursor: listing(service, **params, **cursor), most=500)


def test_jobs_launched_through_the_api_are_listed_newest_first_and_paged_once(service: Service) -> None:
    launched: list[tuple[str, str]] = []  # (kind, id), in launch order
    for number in range(3):
        metric = requests.post(f"{service.api}/launch", json={"name": f"listed metric {number}"}, timeout=30)
        calculation = requests.post(f"{service.api}/calculations", json=CALCULATION, timeout=30)
        assert metric.status_code == 202
        assert calculation.status_code == 201
        launched += [("metric", metric.json()["job_id"]), ("calculation", calculation.json()["id"])]
    ours = {job_id for _, job_id in launched}

    pages = every_page(service, limit="2")

    listed = [item for found in pages for item in found["items"]]
    assert all(len(found["items"]) == 2 for found in pages[:-1])
    assert len({item["id"] for item in listed}) == len(listed), "a job listed twice"
    assert [item["id"] for item in listed if item["id"] in ours] == [job_id for _, job_id in reversed(launched)]
    keys = [(item["created_at"], item["id"]) for item in listed]
    assert keys == sorted(keys, reverse=True)
    metrics = [item["id"] for item in every_page(service, kind="metric", limit="50")[0]["items"]]
    assert [job_id for job_id in metrics if job_id in ours] == [
        job_id for kind, job_id in reversed(launched) if kind == "metric"
    ]


def test_a_bad_cursor_is_a_400_naming_it(service: Service) -> None:
    response = requests.get(f"{service.api}/jobs", params={"cursor": "bm90IGEgY3Vyc29y"}, timeout=30)
    assert response.status_code == 400
    assert json.loads(response.text)["Message"].startswith("cursor:")
