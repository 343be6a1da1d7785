"""Loading CSV files into DynamoDB: bad rows reported by line, idempotent, resumable, replaceable."""

from __future__ import annotations

from pathlib import Path

import pytest

from chalicelib.aws import clients
from chalicelib.config import get_settings
from chalicelib.records.datasets import Dataset
from chalicelib.records.loader import LoadError, load_csv
from chalicelib.records.tables import SALES, SALES_DETAIL
from infra import sales_data
from tests.factories import write_csv

HEADER = ["sale_id", "date", "count_pizza", "count_drink", "price", "user_id"]


def count_items(table: str) -> int:
    return int(clients.dynamodb().scan(TableName=get_settings().records_table(table), Select="COUNT")["Count"])


def test_bad_rows_are_counted_and_reported_with_line_numbers(aws: None, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "sales.csv",
        HEADER,
        [
            [1000001, "2022-02-04 10:00:24", 1, 0, 500, "a1b2c3"],
            [1000002, "2022-02-04 10:01:00", "two", 0, 500, "a1b2c3"],  # line 3
            [1000003, "04.02.2022", 1, 0, 500, "a1b2c3"],  # line 4
            [1000004, "2022-02-04 10:02:00", 1, 0, 500],  # line 5
            [1000001, "2022-02-04 10:03:00", 1, 0, 500, "ffffff"],  # line 6: repeats the id of line 2
            [1000005, "2022-02-04 10:04:00", 1, 1, 620, "d4e5f6"],
        ],
    )

    report = load_csv(SALES, path, threads=1)

    assert (report.rows_done, report.rows_invalid) == (2, 4)
    assert report.errors == [
        "line 3: column count_pizza is 'two', expected an integer",
        "line 4: column date is '04.02.2022', expected a date like 2022-02-04 10:00:24",
        "line 5: has 5 fields, expected at least 6",
        "line 6: sale_id 1000001 repeats line 2",
    ]
    assert count_items("sales") == 2
    dataset = Dataset.get("sales")
    assert (dataset.status, dataset.rows_invalid, dataset.errors) == ("ready", 4, report.errors)


def test_the_real_files_quirks_are_taken(aws: None, tmp_path: Path) -> None:
    """A pandas index column, reordered columns, a BOM, CRLF and float-looking integers."""
    path = tmp_path / "sales.csv"
    path.write_bytes(
        "\ufeff,user_id,sale_id,date,count_pizza,count_drink,price\r\n"
        "0,a1b2c3,1000001,2022-02-04T10:00:24,1,0,500.0\r\n".encode()
    )
    report = load_csv(SALES, path, threads=1)
    assert (report.rows_done, report.rows_invalid) == (1, 0)


def test_a_file_without_the_header_is_refused(aws: None, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "sales.csv", ["id", "when"], [[1, "2022-02-04"]])
    with pytest.raises(LoadError, match="header lacks column"):
        load_csv(SALES, path, threads=1)


def test_loading_twice_leaves_no_duplicates(aws: None, tmp_path: Path) -> None:
    _, detail = sales_data.generate(tmp_path, sales_rows=120, seed=3)
    first = load_csv(SALES_DETAIL, detail, threads=1, chunk_rows=40)
    second = load_csv(SALES_DETAIL, detail, threads=1, chunk_rows=40)
    assert not first.skipped
    assert second.skipped
    assert count_items("sales_detail") == first.rows_done == sum(1 for _ in detail.open()) - 1


def test_an_interrupted_load_resumes_at_its_checkpoint(aws: None, tmp_path: Path) -> None:
    sales, _ = sales_data.generate(tmp_path, sales_rows=300, seed=4)
    load_csv(SALES, sales, threads=1, chunk_rows=50)
    # Make it look like a crash after line 151: the rest of the table is missing.
    dataset = Dataset.get("sales")
    dataset.update(actions=[Dataset.status.set("loading"), Dataset.checkpoint_line.set(152)])
    table = get_settings().records_table("sales")
    client = clients.dynamodb()
    for item in client.scan(TableName=table)["Items"]:
        if int(item["sale_id"]["N"]) > 1_000_151:
            client.delete_item(TableName=table, Key={"day": item["day"], "recency": item["recency"]})
    assert count_items("sales") == 151

    report = load_csv(SALES, sales, threads=1, chunk_rows=50)

    assert report.resumed_from_line == 152
    assert report.rows_done == 300
    assert count_items("sales") == 300
    assert Dataset.get("sales").status == "ready"


def test_another_file_replaces_the_table_only_when_asked(aws: None, tmp_path: Path) -> None:
    old, _ = sales_data.generate(tmp_path / "old", sales_rows=200, seed=5)
    new, _ = sales_data.generate(tmp_path / "new", sales_rows=50, seed=6)
    load_csv(SALES, old, threads=1)
    with pytest.raises(LoadError, match="--replace"):
        load_csv(SALES, new, threads=1)
    assert count_items("sales") == 200

    load_csv(SALES, new, threads=1, replace=True)

    assert count_items("sales") == 50
