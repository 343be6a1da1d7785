"""``GET /jobs``'s time filters take ISO 8601 only, as the document says: a number (which pydantic
would read as seconds since 1970) is a 400 naming the parameter, never a silent 1970 filter."""

from __future__ import annotations

import json

import pytest
from chalice.test import Client


@pytest.mark.parametrize("query", ["until=0.5", "since=1700000000", "since=-3", "until=1e9"])
def test_a_number_for_a_time_is_a_400_naming_it(client: Client, query: str) -> None:
    response = client.http.get(f"/jobs?{query}")
    assert response.status_code == 400, response.body
    assert json.loads(response.body)["Message"].startswith(query.split("=")[0])


@pytest.mark.parametrize("moment", ["2026-11-23", "2026-11-22T10:00:00Z", "2026-11-22T10:00:00.123+01:00"])
def test_iso_times_are_still_taken(client: Client, moment: str) -> None:
    response = client.http.get(f"/jobs?since={moment.replace('+', '%2B')}")
    assert response.status_code == 200, response.body
