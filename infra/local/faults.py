"""Which fault the chaos proxy injects into a request: the kinds, their rates, a seeded draw.

A fault happens either BEFORE the request is forwarded (nothing happened upstream: a throttle, a
500, a reset connection) or AFTER it (the upstream did the work, then the answer is lost: a 500 or
a reset instead of it, the case that tests idempotency). Latency delays a request that is then
forwarded normally; a duplicate forwards an SQS send twice (two messages, as SQS's at-least-once
delivery may give). ``FaultRates.split(rate)`` spreads one total rate over the kinds.
"""

from __future__ import annotations

import enum
import random
import threading
from dataclasses import dataclass


class Fault(enum.Enum):
    THROTTLE = "throttle"  # the service's throttling error, before forwarding
    ERROR_BEFORE = "500 before"  # a 500, before forwarding
    ERROR_AFTER = "500 after"  # forwarded, then a 500 instead of the answer
    RESET_BEFORE = "reset before"  # the connection reset, before forwarding
    RESET_AFTER = "reset after"  # forwarded, then the connection reset instead of the answer
    LATENCY = "latency"  # a delay, then forwarded normally
    DUPLICATE = "duplicate"  # an SQS send forwarded twice

    @property
    def forwards(self) -> bool:
        """Whether the upstream sees the request (the write happens)."""
        return self not in (Fault.THROTTLE, Fault.ERROR_BEFORE, Fault.RESET_BEFORE)


DUPLICABLE = frozenset({"SendMessage", "SendMessageBatch"})


@dataclass(frozen=True)
class FaultRates:
    """The share of requests given each fault (their sum at most 1); ``duplicate`` applies to SQS sends."""

    throttle: float = 0.0
    error_before: float = 0.0
    error_after: float = 0.0
    reset_before: float = 0.0
    reset_after: float = 0.0
    latency: float = 0.0
    duplicate: float = 0.0
    latency_seconds: float = 0.5  # the longest added delay (each draws uniformly up to it)

    def __post_init__(self) -> None:
        for name, value in self._shares():
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be a share in [0, 1], not {value!r}")
        if self.total > 1.0:
            raise ValueError(f"the fault rates add up to {self.total}, more than 1")
        if self.latency_seconds < 0:
            raise ValueError(f"latency_seconds must not be negative, not {self.latency_seconds!r}")

    @classmethod
    def split(cls, rate: float, latency_seconds: float = 0.5) -> FaultRates:
        """``rate`` of all requests faulted: 40 % throttles, 10 % each 500 before/after and reset
        before/after, 20 % latency; and ``rate`` of SQS sends duplicated."""
        return cls(
            throttle=0.4 * rate,
            error_before=0.1 * rate,
            error_after=0.1 * rate,
            reset_before=0.1 * rate,
            reset_after=0.1 * rate,
            latency=0.2 * rate,
            duplicate=rate,
            latency_seconds=latency_seconds,
        )

    def _shares(self) -> list[tuple[str, float]]:
        return [
            ("throttle", self.throttle),
            ("error_before", self.error_before),
            ("error_after", self.error_after),
            ("reset_before", self.reset_before),
            ("reset_after", self.reset_after),
            ("latency", self.latency),
            ("duplicate", self.duplicate),
        ]

    @property
    def total(self) -> float:
        """The share of requests faulted (duplicates apart: they apply to sends only)."""
        return sum(value for name, value in self._shares() if name != "duplicate")

    def ordered(self) -> list[tuple[Fault, float]]:
        return [
            (Fault.THROTTLE, self.throttle),
            (Fault.ERROR_BEFORE, self.error_before),
            (Fault.ERROR_AFTER, self.error_after),
            (Fault.RESET_BEFORE, self.reset_before),
            (Fault.RESET_AFTER, self.reset_after),
            (Fault.LATENCY, self.latency),
        ]


class FaultDraw:
    """A seeded, thread-safe draw of the fault (or None) for each request."""

    def __init__(self, rates: FaultRates, seed: int) -> None:
        self.rates = rates
        self._rng = random.Random(seed)
        self._lock = threading.Lock()

    def next(self, operation: str) -> tuple[Fault | None, float]:
        """The fault for a request of ``operation``, and the seconds of latency to add."""
        with self._lock:
            if operation in DUPLICABLE and self._rng.random() < self.rates.duplicate:
                return Fault.DUPLICATE, 0.0
            point = self._rng.random()
            for fault, share in self.rates.ordered():
                if point < share:
                    delay = self._rng.uniform(0, self.rates.latency_seconds) if fault is Fault.LATENCY else 0.0
                    return fault, delay
                point -= share
            return None, 0.0

    def choice(self, count: int) -> int:
        """A seeded index in ``range(count)`` (which of a service's throttling errors to send)."""
        with self._lock:
            return self._rng.randrange(count)
