"""The oil-well production kernel (seed 002) as a job kind: ``date_start``, ``date_fin``, ``lag``.

The model is the original's: dates from ``date_start`` through ``date_fin`` every ``lag`` days
(``days // lag + 1`` rows); ``level`` a random integer 5..104; ``liquid`` is ``level`` plus
N(0, 1) noise over the first third of the rows, ``level + level//10`` over the second,
``level + level//10 - level//5`` over the rest; ``oil`` is the smaller of ``liquid`` and a line
falling from ``0.9*level`` to ``0.2*level`` plus N(0, 1) noise; ``water = liquid - oil``;
``wct = water / liquid``. Changes: no artificial 10 s sleep, vectorised with numpy, an optional
seed, and ``oil`` floored at 0 (with ``liquid`` at least 0.01) so ``water`` stays within
``[0, liquid]`` and ``wct`` within ``[0, 1]`` even for the smallest levels.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

import numpy as np
from pydantic import BeforeValidator, Field, model_validator

from chalicelib.errors import InvalidInput
from chalicelib.jobs.kind import JobKind, KindParams, Params, Progress
from chalicelib.validation import broken, shown, whole

MAX_ROWS = 50_000  # ~4.5 MB of JSON: the whole result fits one Lambda response (6 MB)
MAX_LAG = (date.max - date.min).days  # any longer step gives the same single row
DECIMALS = 6
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


@dataclass(frozen=True)
class Production:
    """The kernel's table, column by column."""

    dates: np.ndarray[Any, np.dtype[np.datetime64]]
    liquid: np.ndarray[Any, np.dtype[np.float64]]
    oil: np.ndarray[Any, np.dtype[np.float64]]
    water: np.ndarray[Any, np.dtype[np.float64]]
    wct: np.ndarray[Any, np.dtype[np.float64]]

    def __len__(self) -> int:
        return len(self.dates)

    def rows(self) -> list[dict[str, Any]]:
        """Rows as the API returns them: ``date`` as ``YYYY-MM-DD``, floats to 6 decimals."""
        columns = [np.round(column, DECIMALS).tolist() for column in (self.liquid, self.oil, self.water, self.wct)]
        dates = np.datetime_as_string(self.dates, unit="D").tolist()
        return [
            {"date": day, "liquid": liquid, "oil": oil, "water": water, "wct": wct}
            for day, liquid, oil, water, wct in zip(dates, *columns, strict=True)
        ]


def row_count(date_start: date, date_fin: date, lag: int) -> int:
    return (date_fin - date_start).days // lag + 1 if date_fin >= date_start else 0


def kernel(date_start: date, date_fin: date, lag: int, seed: int | None = None) -> Production:
    """Production figures of one well, every ``lag`` days; unseeded runs differ, as the original's."""
    if lag < 1:
        raise ValueError("lag must be at least 1")
    rng = np.random.default_rng(seed)
    n = row_count(date_start, date_fin, lag)
    dates = np.datetime64(date_start, "D") + np.arange(n) * np.timedelta64(lag, "D")
    level = int(rng.integers(5, 105))
    third, two_thirds = n // 3, 2 * n // 3
    liquid = np.empty(n)
    liquid[:third] = level + rng.normal(0.0, 1.0, third)
    liquid[third:two_thirds] = level + level // 10
    liquid[two_thirds:] = level + level // 10 - level // 5
    np.maximum(liquid, 0.01, out=liquid)
    decline = np.linspace(0.9 * level, 0.2 * level, n) + rng.normal(0.0, 1.0, n)
    oil = np.clip(decline, 0.0, liquid)
    water = liquid - oil
    return Production(dates, liquid, oil, water, water / liquid)


def _iso_date(value: Any) -> date:
    if not isinstance(value, str) or not _DATE.fullmatch(value):
        raise broken(f"{shown(value)} is not a date in the format YYYY-MM-DD")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise broken(f"{value!r} is not a real date") from None


def _step(value: Any) -> int:
    value = whole(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise broken(f"{shown(value)} is not an integer of at least 1")
    return value


IsoDate = Annotated[date, BeforeValidator(_iso_date)]


class CalculationParams(KindParams):
    """A calculation's parameters: the kernel's date range and step. Checks every request."""

    date_start: IsoDate = Field(description="The first day (YYYY-MM-DD).", examples=["2024-01-01"])
    date_fin: IsoDate = Field(description="The last day (YYYY-MM-DD), not before date_start.", examples=["2024-12-31"])
    lag: Annotated[int, BeforeValidator(_step)] = Field(
        ge=1, le=MAX_LAG, description="Days between rows (the longest range is one row).", examples=[7]
    )

    @model_validator(mode="after")
    def _fits(self) -> CalculationParams:
        if self.date_start > self.date_fin:
            raise InvalidInput("date_start", f"must not be after date_fin ({self.date_fin.isoformat()})")
        rows = row_count(self.date_start, self.date_fin, self.lag)
        if rows > MAX_ROWS:
            raise InvalidInput(
                "lag", f"the range gives {rows:,} rows, at most {MAX_ROWS:,}: raise lag or shorten the range"
            )
        return self


def _run(params: Params, progress: Progress) -> list[dict[str, Any]]:
    production = kernel(date.fromisoformat(params["date_start"]), date.fromisoformat(params["date_fin"]), params["lag"])
    return production.rows()


def _describe(params: Params) -> str:
    return f"kernel {params['date_start']}..{params['date_fin']} every {params['lag']} d"


KIND = JobKind(name="calculation", run=_run, params=CalculationParams, describe=_describe)
