"""A local execution environment behaves like Lambda's: warm reuse, a true deadline, and a process
that is killed at the timeout or memory size, replaced after a crash, and killed on purpose by chaos."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from infra.local.lambda_environment import Environment, KillSwitch
from infra.local.lambda_functions import function_settings
from tests.tiny_app import act, write_tiny_app


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    write_tiny_app(tmp_path)
    return tmp_path


@pytest.fixture
def environment(folder: Path) -> Iterator[Environment]:
    environment = Environment(act(folder))
    yield environment
    environment.close()


def test_an_environment_is_reused_warm_and_imports_the_app_once(environment: Environment, folder: Path) -> None:
    outcomes = [environment.invoke({"do": "pid"}) for _ in range(3)]
    assert [o.status for o in outcomes] == ["ok"] * 3
    assert len({o.result for o in outcomes}) == 1
    assert (folder / "out" / "imports.log").read_text().split() == [str(outcomes[0].result)]
    assert [o.init_ms is not None for o in outcomes] == [True, False, False]  # one cold start


def test_an_invocation_past_its_timeout_is_killed_and_its_environment_replaced(environment: Environment) -> None:
    first = environment.invoke({"do": "pid"})
    late = environment.invoke({"do": "sleep", "seconds": 30})
    assert (late.status, late.detail.split(",")[0]) == ("timeout", "Task timed out after 2.00 seconds")
    after = environment.invoke({"do": "pid"})
    assert after.status == "ok"
    assert after.result != first.result
    assert after.init_ms is not None


def test_the_time_left_is_the_time_before_the_kill(environment: Environment) -> None:
    """A handler that works until ``get_remaining_time_in_millis`` says stop finishes in time."""
    outcome = environment.invoke({"do": "until_deadline"})
    assert outcome.status == "ok", outcome.detail
    assert 0 < outcome.result <= 300


def test_memory_over_the_functions_size_kills_its_environment(environment: Environment) -> None:
    outcome = environment.invoke({"do": "eat", "mb": 256})
    assert outcome.status == "memory", outcome.detail
    assert "over lambda_memory_size 128 MB" in outcome.detail
    assert environment.invoke({"do": "pid"}).status == "ok"


@pytest.mark.parametrize(("what", "detail"), [("exit", "exited with code 3"), ("segfault", "killed by SIGSEGV")])
def test_a_crash_is_reported_and_the_next_invocation_gets_a_new_environment(
    environment: Environment, what: str, detail: str
) -> None:
    before = environment.invoke({"do": "pid"}).result
    crash = environment.invoke({"do": what})
    assert (crash.status, crash.detail.split(",")[0]) == ("crash", detail)
    after = environment.invoke({"do": "pid"})
    assert after.status == "ok"
    assert after.result != before


def test_an_exception_is_an_error_and_keeps_the_environment(environment: Environment) -> None:
    before = environment.invoke({"do": "pid"}).result
    error = environment.invoke({"do": "nothing"})
    assert error.status == "error"
    assert "ValueError: boom: nothing" in error.detail
    assert environment.invoke({"do": "pid"}).result == before


def test_the_functions_settings_come_from_the_chalice_config(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    timeout, memory, variables = function_settings(folder, "local", "act")
    assert (timeout, memory, variables) == (2, 128, {"TINY_STAGE": "local"})
    assert function_settings(folder, "local", "other")[:2] == (60, 128)  # the top-level timeout
    function = replace(act(folder), environment={**act(folder).environment, **variables})
    environment = Environment(function)
    try:
        assert environment.invoke({"do": "env", "name": "TINY_STAGE"}).result == "local"
    finally:
        environment.close()
    monkeypatch.setenv("TINY_STAGE", "mine")  # a variable set in the shell wins locally
    environment = Environment(function)
    try:
        assert environment.invoke({"do": "env", "name": "TINY_STAGE"}).result == "mine"
    finally:
        environment.close()


class KillAt(KillSwitch):
    """Chaos that kills every invocation, ``seconds`` into it."""

    def __init__(self, seconds: float) -> None:
        super().__init__(rate=1.0, seed=0)
        self.seconds = seconds

    def draw(self, function: str) -> float | None:
        return self.seconds


@pytest.mark.parametrize(
    ("kill_after", "event", "detail"),
    [
        (0.2, {"do": "sleep", "seconds": 30}, "killed at random (LAMBDA_KILL_RATE)"),
        (3600.0, {"do": "pid"}, "after the handler returned and before its answer was delivered"),
    ],
    ids=["during-the-run", "after-the-handler-returned"],
)
def test_an_injected_kill_ends_the_invocation_during_or_right_after_its_run(
    folder: Path, kill_after: float, event: dict[str, object], detail: str
) -> None:
    environment = Environment(act(folder), KillAt(kill_after))
    try:
        killed = environment.invoke(event)
        assert killed.status == "injected kill"
        assert detail in killed.detail
        assert killed.died
        assert environment.process is None  # replaced at the next invocation
    finally:
        environment.close()


def test_kills_follow_their_rate_and_replay_from_their_seed() -> None:
    seed = 20261201
    print(f"LAMBDA_KILL_SEED={seed}")
    draws = [KillSwitch(rate=0.05, seed=seed) for _ in range(2)]
    patterns = [[switch.draw("f") is not None for _ in range(2000)] for switch in draws]
    assert patterns[0] == patterns[1]
    assert 0.03 < sum(patterns[0]) / 2000 < 0.07
    assert KillSwitch.from_env({}) is None
    assert KillSwitch.from_env({"LAMBDA_KILL_RATE": "0"}) is None
    with pytest.raises(ValueError, match="LAMBDA_KILL_RATE must be a probability"):
        KillSwitch.from_env({"LAMBDA_KILL_RATE": "5"})
