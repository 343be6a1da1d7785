"""The production kernel keeps the original's model: dates, columns, curve shapes, invariants."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.errors import InvalidInput
from chalicelib.jobs.kinds.calculation import KIND, MAX_ROWS, kernel, row_count

starts = st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 1, 1))


@settings(max_examples=200)
@given(
    start=starts,
    days=st.integers(min_value=0, max_value=4000),
    lag=st.integers(min_value=1, max_value=400),
    seed=st.integers(min_value=0, max_value=2**32),
)
def test_invariants_hold_for_any_range(start: date, days: int, lag: int, seed: int) -> None:
    production = kernel(start, start + timedelta(days=days), lag, seed=seed)
    n = days // lag + 1
    assert len(production) == n
    assert production.dates[0] == np.datetime64(start)
    assert (np.diff(production.dates) == np.timedelta64(lag, "D")).all()
    assert production.dates[-1] <= np.datetime64(start + timedelta(days=days))
    assert np.array_equal(production.water, production.liquid - production.oil)
    assert (production.oil >= 0).all()
    assert (production.water >= 0).all()
    assert (production.liquid > 0).all()
    assert ((production.wct >= 0) & (production.wct <= 1)).all()


def test_liquid_has_the_three_phases_and_oil_declines() -> None:
    production = kernel(date(2000, 1, 1), date(2029, 12, 31), 1, seed=42)
    n = len(production)
    first, second, rest = np.split(production.liquid, [n // 3, 2 * n // 3])
    level = round(float(first.mean()))
    assert 5 <= level <= 104
    assert abs(first.std() - 1.0) < 0.05  # N(0, 1) noise around the level
    assert (second == level + level // 10).all()
    assert (rest == level + level // 10 - level // 5).all()
    line = np.linspace(0.9 * level, 0.2 * level, n)
    below = production.oil < production.liquid
    assert abs(float((production.oil[below] - line[below]).mean())) < 0.1  # the falling line, plus noise


def test_a_seed_pins_the_output_and_no_seed_varies() -> None:
    start, end = date(2020, 1, 1), date(2021, 1, 1)
    assert kernel(start, end, 7, seed=3).rows() == kernel(start, end, 7, seed=3).rows()
    assert kernel(start, end, 7).rows() != kernel(start, end, 7).rows()


def test_rows_are_json_ready() -> None:
    rows = kernel(date(2024, 2, 27), date(2024, 3, 2), 1, seed=1).rows()
    assert [row["date"] for row in rows] == ["2024-02-27", "2024-02-28", "2024-02-29", "2024-03-01", "2024-03-02"]
    for row in rows:
        assert list(row) == ["date", "liquid", "oil", "water", "wct"]
        assert all(isinstance(row[column], float) for column in ("liquid", "oil", "water", "wct"))
        assert abs(row["water"] - (row["liquid"] - row["oil"])) <= 2e-6


def test_an_empty_or_single_day_range() -> None:
    assert len(kernel(date(2020, 1, 1), date(2020, 1, 1), 5)) == 1
    assert len(kernel(date(2020, 1, 2), date(2020, 1, 1), 5)) == 0
    assert row_count(date(2020, 1, 1), date(2020, 1, 31), 10) == 4


VALID = {"date_start": "2020-01-01", "date_fin": "2020-12-31", "lag": 7}


@pytest.mark.parametrize(
    ("change", "field", "rule"),
    [
        ({"date_start": None}, "date_start", "is required"),
        ({"date_start": "01.02.2020"}, "date_start", "not a date in the format YYYY-MM-DD"),
        ({"date_start": "2020-1-1"}, "date_start", "not a date in the format YYYY-MM-DD"),
        ({"date_fin": "2020-02-30"}, "date_fin", "not a real date"),
        ({"date_fin": 20201231}, "date_fin", "not a date in the format YYYY-MM-DD"),
        ({"date_start": "2021-01-01"}, "date_start", "must not be after date_fin"),
        ({"lag": None}, "lag", "is required"),
        ({"lag": 0}, "lag", "not an integer of at least 1"),
        ({"lag": -3}, "lag", "not an integer of at least 1"),
        ({"lag": 1.5}, "lag", "not an integer of at least 1"),
        ({"lag": "7"}, "lag", "not an integer of at least 1"),
        ({"lag": True}, "lag", "not an integer of at least 1"),
        ({"date_start": "1800-01-01", "lag": 1}, "lag", f"at most {MAX_ROWS:,}"),
        ({"colour": "red"}, "colour", "unknown field"),
    ],
)
def test_each_rule_names_its_field(change: dict[str, Any], field: str, rule: str) -> None:
    raw = {key: value for key, value in {**VALID, **change}.items() if value is not None}
    with pytest.raises(InvalidInput) as error:
        KIND.parse_params(raw)
    assert error.value.field == field
    assert rule in error.value.rule


def test_valid_params_are_normalised() -> None:
    assert KIND.parse_params(VALID) == VALID
