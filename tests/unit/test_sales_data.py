"""The generated data set has the original files' shape and size, and is deterministic."""

from __future__ import annotations

import csv
import re
from collections import Counter, defaultdict
from pathlib import Path

from infra import sales_data


def read(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def test_full_size_matches_the_original(tmp_path: Path) -> None:
    sales_path, detail_path = sales_data.generate(tmp_path)
    sales, detail = read(sales_path), read(detail_path)

    assert (len(sales), len(detail)) == (203_847, 416_481)
    assert [int(row["sale_id"]) for row in sales] == list(range(1_000_001, 1_000_001 + 203_847))
    dates = [row["date"] for row in sales]
    assert dates == sorted(dates)
    assert dates[0] == "2022-02-04 10:00:24"
    assert dates[-1].startswith("2022-04-01")
    assert 100_000 <= len({row["user_id"] for row in sales}) <= 125_000
    assert all(re.fullmatch(r"[0-9a-f]{6}", row["user_id"]) for row in sales[:1000])
    assert all(60 <= int(row["price"]) <= 840 for row in detail)


def test_each_order_is_the_sum_of_its_items(tmp_path: Path) -> None:
    sales_path, detail_path = sales_data.generate(tmp_path, sales_rows=2000)
    items: defaultdict[str, list[dict[str, str]]] = defaultdict(list)
    for row in read(detail_path):
        items[row["sale_id"]].append(row)
    for sale in read(sales_path):
        lines = items[sale["sale_id"]]
        assert int(sale["price"]) == sum(int(line["price"]) for line in lines)
        assert int(sale["count_pizza"]) + int(sale["count_drink"]) == len(lines)
        assert Counter((line["date"], line["user_id"]) for line in lines) == {
            (sale["date"], sale["user_id"]): len(lines)
        }


def test_same_seed_same_bytes(tmp_path: Path) -> None:
    first = sales_data.generate(tmp_path / "a", sales_rows=500)
    second = sales_data.generate(tmp_path / "b", sales_rows=500)
    assert [path.read_bytes() for path in first] == [path.read_bytes() for path in second]
