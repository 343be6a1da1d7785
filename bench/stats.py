"""Percentiles and medians of timing samples (linear interpolation between closest ranks)."""

from __future__ import annotations

import statistics
from collections.abc import Sequence


def percentile(samples: Sequence[float], point: int) -> float:
    """The ``point``-th percentile (1..99) of at least two samples."""
    if len(samples) < 2:
        raise ValueError("a percentile needs at least two samples")
    return statistics.quantiles(samples, n=100, method="inclusive")[point - 1]


def median(samples: Sequence[float]) -> float:
    return statistics.median(samples)
