"""Query parameters, checked in one place (``contract.operation``) for every route: a parameter
given twice is a 400 naming it, never silently resolved to one of its values."""

from __future__ import annotations

import json

import pytest
from chalice.test import Client

JOB = "0" * 32


@pytest.mark.parametrize(
    ("path", "name", "count"),
    [
        ("/logs?table_name=sales&table_name=sales_detail", "table_name", 2),
        ("/logs?table_name=sales&from_date=2022-01-01&from_date=2022-01-01", "from_date", 2),
        (f"/imports/{JOB}/results?limit=1&limit=2&limit=3", "limit", 3),
        ("/calculations?page=1&page=2", "page", 2),
        (f"/get_result?job_id={JOB}&job_id={JOB}", "job_id", 2),
        ("/health?probe=1&probe=1", "probe", 2),  # a route that takes no parameters at all
    ],
)
def test_a_repeated_parameter_is_a_400_naming_it(client: Client, path: str, name: str, count: int) -> None:
    response = client.http.get(path)
    assert response.status_code == 400, response.body
    assert json.loads(response.body)["Message"] == f"{name}: is given {count} times; give it once"


def test_a_parameter_given_once_is_read_as_before(client: Client) -> None:
    response = client.http.get("/calculations?page=2&order=asc")
    assert response.status_code == 200
    assert json.loads(response.body)["page"] == 2
