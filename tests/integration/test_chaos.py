"""The job promises under faults (the short version of ``make chaos``): a small mixed workload
through the real HTTP API, with 5 % faults on each AWS service (throttles, 500s, latency, resets
before and after the work, duplicate SQS sends), 10 % of posts answered late or never, and the
runner asked to kill 1 invocation in 20. The seed is printed; ``CHAOS_SEED=N`` replays it (the
faults are drawn in request order, so a replay is close, not identical, under concurrency)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from bench.chaos.plan import Plan
from bench.chaos.report import markdown
from bench.chaos.run import Outcome, run

pytestmark = pytest.mark.integration
JOBS = 12
DEADLINE = 150.0


@pytest.fixture(scope="module")
def chaos(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Outcome]:
    seed = int(os.environ.get("CHAOS_SEED") or Plan.new_seed())
    print(f"\nchaos seed {seed}: replay with CHAOS_SEED={seed}")
    outcome = run(Plan(seed=seed, jobs=JOBS, deadline=DEADLINE), tmp_path_factory.mktemp("chaos-logs"))
    print(markdown(outcome))
    yield outcome


def _replay(outcome: Outcome) -> str:
    return f"(replay: CHAOS_SEED={outcome.plan.seed})\n{markdown(outcome)}"


def test_every_accepted_job_finishes(chaos: Outcome) -> None:
    assert chaos.figures.submitted > 0
    assert chaos.figures.stuck == 0, _replay(chaos)


def test_no_job_record_is_left_unfinished_when_its_post_failed(chaos: Outcome) -> None:
    """A POST answered with an error must not leave a job record that nothing will ever run or fail."""
    assert chaos.figures.orphans_unfinished == 0, _replay(chaos)


def test_no_result_is_stored_twice(chaos: Outcome) -> None:
    assert chaos.figures.stored_twice == 0, _replay(chaos)


def test_no_post_is_created_twice(chaos: Outcome) -> None:
    assert chaos.figures.posts_created > 0
    assert chaos.figures.posts_twice == 0, _replay(chaos)


def test_every_import_row_has_an_outcome(chaos: Outcome) -> None:
    assert chaos.figures.rows > 0
    assert chaos.figures.rows_lost == 0, _replay(chaos)


def test_every_failed_job_has_a_reason(chaos: Outcome) -> None:
    assert chaos.figures.failed_without_reason == 0, _replay(chaos)


def test_no_valid_row_is_given_up_unsent_because_its_own_claims_answer_was_lost(chaos: Outcome) -> None:
    """A row is marked ``sending`` by a conditional put; when that put's answer is lost and botocore
    sends it again, the worker must know the claim for its own, send the row, and not record it as
    "outcome unknown" without sending it. (A row whose invocation died between the claim and the
    request may be given up unsent: at most once has that price.)"""
    assert chaos.figures.rows_claim_lost == 0, _replay(chaos)


def test_every_finished_imports_counters_match_its_rows(chaos: Outcome) -> None:
    assert chaos.figures.counters_off == [], _replay(chaos)
