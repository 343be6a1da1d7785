"""Parsing CSV rows into typed records and DynamoDB items, and the sort key's order."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.records.rows import (
    RowError,
    column_positions,
    from_item,
    parse_datetime,
    parse_int,
    parse_row,
    recency_key,
    to_item,
)
from chalicelib.records.tables import SALES, SALES_DETAIL, Column, RecordTable

HEADER = ["sale_id", "date", "count_pizza", "count_drink", "price", "user_id"]


def test_a_row_becomes_a_typed_record_and_back() -> None:
    record = parse_row(SALES, ["1000001", "2022-02-04 10:00:24", "1", "2", "790", "1dc800"], list(range(6)), 2)
    assert record == {
        "sale_id": 1000001,
        "date": "2022-02-04 10:00:24",
        "count_pizza": 1,
        "count_drink": 2,
        "price": 790,
        "user_id": "1dc800",
    }
    item = to_item(SALES, record)
    assert item["day"] == {"S": "2022-02-04"}
    assert item["recency"] == {"S": "2022-02-04 10:00:24#000001000001#0000"}
    assert from_item(SALES, item) == record


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (["x", "2022-02-04 10:00:24", "1", "2", "790", "u"], "line 7: column sale_id is 'x', expected an integer"),
        (["1", "2022-02-30 10:00:24", "1", "2", "790", "u"], "line 7: column date is '2022-02-30 10:00:24'"),
        (["1", "2022-02-04 10:00:24", "1", "2", "7.5", "u"], "line 7: column price is '7.5', expected an integer"),
        (["1", "2022-02-04 10:00:24", "1", "2", "790", " "], "line 7: column user_id is empty"),
        (["1", "2022-02-04 10:00:24"], "line 7: has 2 fields, expected at least 6"),
    ],
)
def test_bad_rows_name_the_line_and_the_column(fields: list[str], message: str) -> None:
    with pytest.raises(RowError) as error:
        parse_row(SALES, fields, list(range(6)), 7)
    assert str(error.value).startswith(message)


def test_dates_are_normalised() -> None:
    assert parse_datetime("2022-02-04T10:00:24") == "2022-02-04 10:00:24"
    assert parse_datetime("2022-02-04") == "2022-02-04 00:00:00"
    assert parse_datetime("2022-02-04 10:00:24.000") == "2022-02-04 10:00:24"
    assert parse_int("12.0") == 12


def test_the_header_may_reorder_and_add_columns() -> None:
    header = ["", "user_id", "price", "count_drink", "count_pizza", "date", "sale_id", "extra"]
    assert column_positions(SALES, header) == [6, 5, 4, 3, 2, 1]
    with pytest.raises(RowError, match=r"header lacks column.*price"):
        column_positions(SALES, ["sale_id", "date", "count_pizza", "count_drink", "user_id"])


def test_a_table_must_have_date_and_user_id() -> None:
    with pytest.raises(ValueError, match="needs a datetime 'date'"):
        RecordTable("bad", "bad.csv", (Column("id", "int"), Column("user_id", "str")), id_column="id")


keys = st.tuples(
    st.datetimes().map(lambda moment: moment.strftime("%Y-%m-%d %H:%M:%S")),
    st.integers(min_value=0, max_value=10**12 - 1),
    st.integers(min_value=0, max_value=9999),
)


@given(st.lists(keys, min_size=2, max_size=50))
def test_sorting_by_the_key_is_sorting_by_date_then_id_then_item(rows: list[tuple[str, int, int]]) -> None:
    def key(row: tuple[str, int, int]) -> str:
        return recency_key(SALES_DETAIL, {"date": row[0], "sale_id": row[1]}, row[2])

    assert sorted(rows, key=key, reverse=True) == sorted(rows, reverse=True)
