"""calculate_metric: the fast version is exact and draws the seed's distribution."""

from __future__ import annotations

import random
import statistics

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.jobs.kinds.metric import calculate_metric, calculate_metric_plain, sum_of_picked_squares


def brute_force(coins: int, n: int) -> int:
    """The definition, one coin at a time (bit i of ``coins`` is the coin of i)."""
    bits = bin(coins)[2:].zfill(n)[::-1]
    return sum(i * i for i in range(n) if bits[i] == "1")


@given(n=st.integers(min_value=0, max_value=3000), seed=st.integers(min_value=0, max_value=2**32))
def test_the_sum_is_exact_for_any_coins(n: int, seed: int) -> None:
    coins = random.Random(seed).getrandbits(max(n, 1))
    assert sum_of_picked_squares(coins.to_bytes((max(n, 1) + 7) // 8, "little"), n) == brute_force(coins, n)


def test_exact_across_blocks_and_near_the_seeds_size() -> None:
    n = 1_000_003  # spans many 64 KiB blocks and ends mid-byte
    coins = random.Random(11).getrandbits(n)
    assert sum_of_picked_squares(coins.to_bytes((n + 7) // 8, "little"), n) == brute_force(coins, n)


def test_all_heads_and_all_tails() -> None:
    n = 10**7
    assert sum_of_picked_squares(b"\xff" * (n // 8), n) == (n - 1) * n * (2 * n - 1) // 6
    assert sum_of_picked_squares(bytes(n // 8), n) == 0


def test_the_same_seed_gives_the_same_result() -> None:
    assert calculate_metric(rng=random.Random(1)) == calculate_metric(rng=random.Random(1))
    assert calculate_metric(rng=random.Random(1)) != calculate_metric(rng=random.Random(2))


@pytest.mark.parametrize("version", [calculate_metric, calculate_metric_plain])
def test_both_versions_have_the_fair_coin_mean_and_spread(version: object) -> None:
    """Each i is in with probability 1/2: mean sum(i^2)/2, variance sum(i^4)/4."""
    n, runs = 200, 3000
    random.seed(20221)
    samples = [version(n) for _ in range(runs)]  # type: ignore[operator]
    mean = sum(i * i for i in range(n)) / 2
    sd = (sum(i**4 for i in range(n)) / 4) ** 0.5
    assert abs(statistics.fmean(samples) - mean) < 4 * sd / runs**0.5
    assert 0.9 < statistics.stdev(samples) / sd < 1.1


def test_the_default_size_is_the_seeds() -> None:
    value = calculate_metric()
    n = 10**7
    expected_mean = (n - 1) * n * (2 * n - 1) // 12
    assert abs(value - expected_mean) < 6 * 10**17  # ~6 standard deviations
