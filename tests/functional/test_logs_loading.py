"""GET /logs before a table is fully loaded: an explicit answer, never a silently partial list."""

from __future__ import annotations

import json

from chalice.test import Client

from chalicelib.records.datasets import Dataset


def test_a_table_still_loading_says_so_instead_of_answering_wrong(client: Client, aws: None) -> None:
    Dataset(name="sales", status="loading", rows_total=200, rows_loaded=50).save()
    response = client.http.get("/logs?table_name=sales")
    assert response.status_code == 503
    assert "loading: 25% (50 of 200 rows)" in json.loads(response.body)["Message"]
    assert response.headers["Retry-After"] == "5"


def test_a_table_never_loaded_says_how_to_load_it(client: Client, aws: None) -> None:
    response = client.http.get("/logs?table_name=sales_detail")
    assert response.status_code == 503
    assert "make load" in json.loads(response.body)["Message"]
