"""What a chaos run does: how many jobs of each kind, the fault rates, the seed, the deadline."""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class Plan:
    """One chaos run's sizes and faults (the issue's "Must show" rates are the defaults)."""

    seed: int
    jobs: int = 60  # jobs submitted: a fifth metric, a third calculations, a fifth reports, the rest imports
    aws_rate: float = 0.05  # share of requests to each AWS service given a fault (infra.local.faults)
    late_rate: float = 0.05  # posts created and answered after ``hang`` seconds (past the client's 2 s)
    drop_rate: float = 0.05  # posts created and never answered
    hang: float = 3.0
    kill_rate: float = 0.05  # LAMBDA_KILL_RATE: the share of invocations the runner kills
    deadline: float = 240.0  # seconds after the last submission; a job unfinished then is stuck
    settle: float = 5.0  # seconds to keep watching after every job finished (late duplicates)
    workers: int = 3  # the runner's concurrent invocations per queue
    visibility: int = 20  # JOBS_VISIBILITY_TIMEOUT: a lost message comes back this soon
    max_receives: int = 3  # JOBS_MAX_RECEIVE_COUNT, as deployed
    schedule_seconds: int = 10  # LOCAL_SCHEDULE_SECONDS: scheduled handlers (a sweeper) run this often
    sweep_grace: int = 40  # SWEEP_GRACE_SECONDS: a job this overdue is the sweeper's (> the visibility timeout)
    slice_seconds: int = 5  # IMPORT_SLICE_SECONDS: short, so imports continue in new messages (and their duplicates)
    import_rows: int = 8  # valid rows per import (each also gets 1 to 3 hostile rows, every kind in the run)

    @staticmethod
    def new_seed() -> int:
        return random.SystemRandom().randrange(1, 1_000_000)

    def counts(self) -> dict[str, int]:
        """How many jobs of each kind (at least one of each when ``jobs`` >= 4)."""
        metric = max(1, self.jobs // 5)
        calculation = max(1, self.jobs // 3)
        report = max(1, self.jobs // 5)
        return {
            "metric": metric,
            "calculation": calculation,
            "report": report,
            "import": max(self.jobs - metric - calculation - report, 1),
        }
