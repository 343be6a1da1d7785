"""Lanes and reserved concurrency: every kind's lane has a queue and a handler, imports run at most
two at once, and each queue handler's concurrency is reserved for it in every stage."""

from __future__ import annotations

import pytest
from chalice.app import SQSEventConfig

from app import IMPORTS_MAX_CONCURRENCY, JOBS_MAX_CONCURRENCY, app
from chalicelib.config import LANES, get_settings
from chalicelib.jobs.registry import KINDS, lane_of
from infra.stages import API, FUNCTIONS, STAGES, stage


def _sqs_sources() -> dict[str, SQSEventConfig]:
    return {config.name: config for config in app.event_sources if isinstance(config, SQSEventConfig)}


def test_each_lane_has_its_queue_and_handler_and_every_kind_a_lane() -> None:
    handled = {config.queue for config in _sqs_sources().values()}
    assert {get_settings().queue(lane) for lane in LANES} <= handled
    assert {kind.lane for kind in KINDS.values()} == set(LANES)
    assert KINDS["import"].lane == "imports"
    assert {name for name, kind in KINDS.items() if kind.lane == "jobs"} == {"metric", "calculation", "report"}


def test_an_unknown_lane_has_no_queue() -> None:
    with pytest.raises(ValueError, match="unknown lane 'slow'"):
        get_settings().queue("slow")


def test_imports_run_in_their_own_lane_at_most_two_at_once() -> None:
    # 7 rows a second across the deployment: a third import at once would only wait on the limiter.
    sources = _sqs_sources()
    assert sources["run_imports"].queue == get_settings().imports_queue
    assert (sources["run_imports"].batch_size, sources["run_imports"].maximum_concurrency) == (1, 2)
    assert (sources["run_jobs"].batch_size, sources["run_jobs"].maximum_concurrency) == (1, JOBS_MAX_CONCURRENCY)


@pytest.mark.parametrize("stage_name", STAGES)
def test_each_queue_handler_has_its_concurrency_reserved(stage_name: str) -> None:
    # Above its reserved concurrency an event source's invocations are throttled and their messages
    # bounce towards the dead-letter queue; without a reservation a flood of API requests could take
    # the account's executions. The API's handler takes the unreserved rest.
    functions = stage(stage_name).functions
    for name, config in _sqs_sources().items():
        reserved = functions[name].reserved_concurrency
        assert reserved is not None, name
        assert config.maximum_concurrency is not None, name
        assert config.maximum_concurrency <= reserved, name
    assert functions["run_jobs"].reserved_concurrency == JOBS_MAX_CONCURRENCY
    assert functions["run_imports"].reserved_concurrency == IMPORTS_MAX_CONCURRENCY
    assert functions["sweep_jobs"].reserved_concurrency == 1  # one sweep at a time
    assert functions[API].reserved_concurrency is None
    assert set(functions) == set(FUNCTIONS) == {API, *_sqs_sources(), "sweep_jobs"}


def test_a_kind_no_longer_known_goes_to_the_jobs_lane_where_the_worker_fails_it() -> None:
    assert lane_of("import") == "imports"
    assert lane_of("retired-kind") == "jobs"
