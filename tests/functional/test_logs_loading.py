"""GET /logs before a table is fully loaded: an explicit answer, never a silently partial list."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from chalice.test import Client

from chalicelib.records import loader
from chalicelib.records.datasets import Dataset
from chalicelib.records.loader import load_csv
from chalicelib.records.tables import SALES
from infra import sales_data
from tests.oracle import latest


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


def test_while_a_table_is_replaced_logs_says_loading_not_a_partial_list(
    client: Client, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old, _ = sales_data.generate(tmp_path / "old", sales_rows=150, seed=1)
    new, _ = sales_data.generate(tmp_path / "new", sales_rows=120, seed=2)
    load_csv(SALES, old, threads=1)
    assert client.http.get("/logs?table_name=sales").status_code == 200
    seen_while_clearing: list[int] = []
    real_clear = loader.clear_table

    def clear_and_look(table_name: str, threads: int = 8) -> None:
        real_clear(table_name, threads)
        seen_while_clearing.append(client.http.get("/logs?table_name=sales").status_code)

    monkeypatch.setattr(loader, "clear_table", clear_and_look)
    load_csv(SALES, new, threads=1, replace=True)

    assert seen_while_clearing == [503]
    records = json.loads(client.http.get("/logs?table_name=sales").body)["records"]
    assert records == latest(new)
