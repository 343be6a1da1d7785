"""``calculate_metric`` (seed 001): the sum of ``i*i`` over the ``i < 10**7`` a fair coin picks.

``calculate_metric_plain`` is the seed's code, kept for comparison. ``calculate_metric`` draws
the same independent fair coins (one random bit per ``i``) in one call and sums the squares
exactly with numpy, a byte of coins at a time: for byte ``k`` holding the coins of
``i = 8k + j``, ``i*i = 64k*k + 16kj + j*j``, so a byte contributes
``64k*k*popcount + 16k*sum(j) + sum(j*j)`` from three 256-entry tables.
"""

from __future__ import annotations

import random

import numpy as np

from chalicelib.jobs.kind import JobKind, Params, Progress

N = 10**7
# Bytes per block: a block's partial sums stay far below 2**63, so int64 is exact.
_BLOCK = 1 << 16
_BYTES = np.arange(256)
_BITS = (_BYTES[:, None] >> np.arange(8)) & 1  # _BITS[b, j]: is bit j of byte b set
_POPCOUNT = _BITS.sum(axis=1).astype(np.int64)
_SUM_J = (_BITS * np.arange(8)).sum(axis=1).astype(np.int64)
_SUM_J2 = (_BITS * np.arange(8) ** 2).sum(axis=1).astype(np.int64)


def calculate_metric_plain(n: int = N) -> int:
    """The seed's version, verbatim but for ``n``: about 2.8 s for 10**7 here."""
    result = 0
    for i in range(n):
        if random.randint(0, 1):
            result += i * i
    return result


def sum_of_picked_squares(coins: bytes, n: int) -> int:
    """Exact sum of ``i*i`` for each ``i < n`` whose coin (bit ``i % 8`` of byte ``i // 8``) is 1."""
    data = np.frombuffer(coins, dtype=np.uint8, count=(n + 7) // 8).copy()
    if n % 8:
        data[-1] &= (1 << (n % 8)) - 1
    total = 0
    for start in range(0, len(data), _BLOCK):
        block = data[start : start + _BLOCK]
        k = np.arange(start, start + len(block), dtype=np.int64)
        total += 64 * int((k * k * _POPCOUNT[block]).sum())
        total += 16 * int((k * _SUM_J[block]).sum())
        total += int(_SUM_J2[block].sum())
    return total


def calculate_metric(n: int = N, rng: random.Random | None = None) -> int:
    """Same distribution as the seed's (independent fair coins), exact integer; ~11 ms, ~250x faster."""
    coins = (rng or random).getrandbits(n).to_bytes((n + 7) // 8, "little") if n else b""
    return sum_of_picked_squares(coins, n)


def _run(params: Params, progress: Progress) -> str:
    # The result exceeds 2**53, so clients get it as a string of digits.
    return str(calculate_metric())


KIND = JobKind(name="metric", run=_run, describe=lambda params: "calculate_metric")
