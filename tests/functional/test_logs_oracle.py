"""GET /logs against an independent oracle: pandas computes the answer straight from the CSVs
(``tests/oracle.py``), on a data set built to hit the edges: many records on the same second (ties
broken by ``sale_id``), a sale's detail rows scattered through the file, more than 100 matches
across day boundaries (the cap), a ``from_date`` equal to a record's date, a user of digits only."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pandas as pd
import pytest
from chalice.test import Client

from app import app
from chalicelib.records.loader import load_csv
from chalicelib.records.tables import SALES, SALES_DETAIL
from tests.factories import write_csv
from tests.functional.conftest import mocked_aws
from tests.oracle import expected_logs, read_table

SEED = 14
START = datetime(2022, 3, 30, 22, 0, 0)
SALES_HEADER = ["sale_id", "date", "count_pizza", "count_drink", "price", "user_id"]
DETAIL_HEADER = ["sale_id", "good", "price", "date", "user_id"]
HEAVY, DIGITS, LIGHT = "a1b2c3", "123456", "0f0f0f"  # > 100 sales, digits only, a few sales


def write_tied_sales(folder: Path, seed: int) -> tuple[Path, Path]:
    """500 sales on 120 distinct seconds over three days (midnights included), in random file
    order with shuffled ids; each sale's 1 to 3 detail rows spread through the detail file."""
    rng = random.Random(seed)
    moments = [datetime(2022, 3, 31), datetime(2022, 4, 1)]  # records at midnight, where a day bucket starts
    moments += [START + timedelta(seconds=rng.randrange(3 * 86_400)) for _ in range(118)]
    sale_ids = rng.sample(range(1_000, 10_000), 500)
    sales: list[list[Any]] = []
    details: list[list[Any]] = []
    for sale_id in sale_ids:
        date = rng.choice(moments).strftime("%Y-%m-%d %H:%M:%S")
        user = rng.choices([HEAVY, DIGITS, LIGHT], weights=[70, 27, 3])[0]
        goods = [
            (rng.choice(["margherita", "cola", "pepperoni"]), rng.randrange(100, 900)) for _ in range(rng.randint(1, 3))
        ]
        sales.append([sale_id, date, len(goods), 0, sum(price for _, price in goods), user])
        details += [[sale_id, good, price, date, user] for good, price in goods]
    rng.shuffle(details)
    return (
        write_csv(folder / "df_sales.csv", SALES_HEADER, sales),
        write_csv(folder / "df_sales_detail.csv", DETAIL_HEADER, details),
    )


@pytest.fixture(scope="module")
def tied(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, pd.DataFrame]]:
    """Both tables loaded from the tie-heavy data set; the frames the oracle reads, by table."""
    print(f"data set seed {SEED}")
    with mocked_aws():
        sales, detail = write_tied_sales(tmp_path_factory.mktemp("tied"), SEED)
        load_csv(SALES, sales, threads=1, chunk_rows=50)
        load_csv(SALES_DETAIL, detail, threads=1, chunk_rows=50)
        yield {"sales": read_table(sales), "sales_detail": read_table(detail)}


@pytest.fixture(scope="module")
def tied_client(tied: dict[str, pd.DataFrame]) -> Iterator[Client]:
    with Client(app, stage_name="local") as client:
        yield client


def logs(client: Client, **params: str) -> list[dict[str, Any]]:
    response = client.http.get(f"/logs?{urlencode(params)}")
    assert response.status_code == 200, response.body
    records: list[dict[str, Any]] = json.loads(response.body)["records"]
    return records


def test_the_data_set_hits_the_edges(tied: dict[str, pd.DataFrame]) -> None:
    """The cases below mean something only if the data has them: checked here, not assumed."""
    sales = tied["sales"]
    assert sales["date"].duplicated().sum() > 300  # most records share their second with another
    assert (sales["user_id"] == HEAVY).sum() > 100  # one user's records hit the cap
    assert sales["date"].str[:10].nunique() >= 3  # the newest 100 span days
    assert not sales["sale_id"].is_monotonic_increasing  # the file's order is not the answer's
    assert (sales["date"] == "2022-03-31 00:00:00").any()  # from_date=2022-03-31 keeps these
    assert tied["sales_detail"].groupby("sale_id").size().max() > 1  # a sale's rows share date and id


FROM_DATES = [None, "2022-03-31", "2022-04-01 22:00:00", "2022-03-30", "2030-01-01"]
USERS = [None, HEAVY, DIGITS, LIGHT, "ffffff"]


@pytest.mark.parametrize("table", ["sales", "sales_detail"])
@pytest.mark.parametrize("from_date", FROM_DATES)
@pytest.mark.parametrize("user_id", USERS)
def test_logs_match_pandas(
    tied_client: Client, tied: dict[str, pd.DataFrame], table: str, from_date: str | None, user_id: str | None
) -> None:
    params = (
        {"table_name": table}
        | ({"from_date": from_date} if from_date else {})
        | ({"user_id": user_id} if user_id else {})
    )
    assert logs(tied_client, **params) == expected_logs(tied[table], from_date=from_date, user_id=user_id)


@pytest.mark.parametrize("table", ["sales", "sales_detail"])
def test_a_from_date_equal_to_a_records_date_keeps_that_record(
    tied_client: Client, tied: dict[str, pd.DataFrame], table: str
) -> None:
    """``from_date`` is inclusive: records on exactly that second are in, up to the 100 cap, here
    cutting through the records of the 100th newest's second (ties broken by ``sale_id``)."""
    frame = tied[table]
    boundary = expected_logs(frame)[-1]["date"]  # the second of the 100th newest record
    assert (frame["date"] == boundary).sum() > 1
    expected = expected_logs(frame, from_date=boundary)
    assert logs(tied_client, table_name=table, from_date=boundary) == expected
    assert expected[-1]["date"] == boundary
