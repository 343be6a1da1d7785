"""``calculate_metric_plain`` (the seed's loop) against ``calculate_metric`` (numpy), n = 10**7.

Why: the metric job's duration is the compute the worker does per job; the target is a speed-up of
at least 50x. Both run in this process (no stack involved): the plain loop takes the best of a few
runs (its noise is only ever upward), the fast one the median of many (it is short, so noisier).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from bench.stats import median
from chalicelib.jobs.kinds.metric import calculate_metric, calculate_metric_plain


@dataclass(frozen=True)
class MetricResult:
    plain_runs: int
    plain_seconds: float  # best run
    fast_runs: int
    fast_seconds: float  # median run

    @property
    def speedup(self) -> float:
        return self.plain_seconds / self.fast_seconds


def timed_runs(function: Callable[[], int], runs: int) -> list[float]:
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        seconds.append(time.perf_counter() - started)
    return seconds


def measure(plain_runs: int, fast_runs: int) -> MetricResult:
    plain = min(timed_runs(calculate_metric_plain, plain_runs))
    fast = median(timed_runs(calculate_metric, fast_runs))
    result = MetricResult(plain_runs, plain, fast_runs, fast)
    print(
        f"  calculate_metric_plain {plain:.2f} s (best of {plain_runs}), calculate_metric {1000 * fast:.1f} ms "
        f"(median of {fast_runs}): {result.speedup:.0f}x"
    )
    return result
