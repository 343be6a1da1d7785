"""GET /logs: the 100 latest records of a table, filtered, newest first; clear errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from chalice.test import Client

from tests.oracle import latest


def get_logs(client: Client, **params: str) -> tuple[int, dict[str, Any]]:
    response = client.http.get(f"/logs?{urlencode(params)}")
    return response.status_code, json.loads(response.body)


def test_latest_sales_are_the_100_newest_in_order(loaded_client: Client, loaded: tuple[Path, Path]) -> None:
    status, body = get_logs(loaded_client, table_name="sales")
    assert status == 200
    assert body["table_name"] == "sales"
    assert body["records"] == latest(loaded[0])
    assert len(body["records"]) == 100
    assert body["items_read"] == 100


def test_records_keep_the_csv_columns_and_types(loaded_client: Client, loaded: tuple[Path, Path]) -> None:
    record = get_logs(loaded_client, table_name="sales")[1]["records"][0]
    assert list(record) == ["sale_id", "date", "count_pizza", "count_drink", "price", "user_id"]
    assert all(isinstance(record[name], int) for name in ("sale_id", "count_pizza", "count_drink", "price"))
    assert len(record["date"]) == 19
    assert len(record["user_id"]) == 6


def test_detail_rows_of_one_sale_are_all_kept(loaded_client: Client, loaded: tuple[Path, Path]) -> None:
    status, body = get_logs(loaded_client, table_name="sales_detail")
    assert status == 200
    assert body["records"] == latest(loaded[1])


@pytest.mark.parametrize("from_date", ["2022-03-15", "2022-03-31 12:00:00", "2022-04-01 23:00:00", "2030-01-01"])
def test_from_date_keeps_records_from_that_moment_on(
    loaded_client: Client, loaded: tuple[Path, Path], from_date: str
) -> None:
    status, body = get_logs(loaded_client, table_name="sales", from_date=from_date)
    assert status == 200
    assert body["records"] == latest(loaded[0], from_date=from_date)
    assert all(record["date"] >= from_date for record in body["records"])


def test_user_id_keeps_only_that_users_records(loaded_client: Client, loaded: tuple[Path, Path]) -> None:
    user = latest(loaded[1])[0]["user_id"]
    status, body = get_logs(loaded_client, table_name="sales_detail", user_id=user)
    assert status == 200
    assert body["records"] == latest(loaded[1], user_id=user)
    assert body["records"]
    assert {record["user_id"] for record in body["records"]} == {user}


def test_user_id_and_from_date_together(loaded_client: Client, loaded: tuple[Path, Path]) -> None:
    expected = latest(loaded[0])[5]
    status, body = get_logs(loaded_client, table_name="sales", user_id=expected["user_id"], from_date=expected["date"])
    assert status == 200
    assert body["records"] == latest(loaded[0], user_id=expected["user_id"], from_date=expected["date"])
    assert expected in body["records"]


def test_unknown_user_gets_an_empty_list(loaded_client: Client, loaded: tuple[Path, Path]) -> None:
    assert get_logs(loaded_client, table_name="sales", user_id="zzzzzz") == (
        200,
        {"table_name": "sales", "records": [], "items_read": 0},
    )


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "table_name"),
        ({"table_name": ""}, "table_name"),
        ({"table_name": "users"}, "table_name"),
        ({"table_name": "sales", "from_date": "yesterday"}, "from_date"),
        ({"table_name": "sales", "from_date": "2022-02-30"}, "from_date"),
        ({"table_name": "sales", "from_date": "2022-02-03 25:00:00"}, "from_date"),
        ({"table_name": "sales", "from_date": "2022-2-3"}, "from_date"),
        ({"table_name": "sales", "user_id": ""}, "user_id"),
        ({"table_name": "sales", "limit": "5"}, "limit"),
    ],
)
def test_bad_parameters_get_a_400_naming_them(
    loaded_client: Client, loaded: tuple[Path, Path], params: dict[str, str], field: str
) -> None:
    status, body = get_logs(loaded_client, **params)
    assert status == 400
    assert body["Message"].startswith(f"{field}:")
