"""``make run``'s program: it starts everything, serves the loaded data, and Ctrl-C (or SIGTERM) stops it all,
however many signals arrive; a port already taken is reported before anything starts."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest
import requests

from infra import sales_data
from infra.local.processes import free_port
from infra.local.stack import ROOT

pytestmark = pytest.mark.integration
MARKER = "JOBSVC_RUN_TEST"


def listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def survivors(marker: str) -> list[int]:
    """The processes (any session) whose environment carries ``MARKER=marker``: children of a run."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                environ = (entry / "environ").read_bytes()
            except OSError:
                continue
            if f"{MARKER}={marker}".encode() in environ.split(b"\0"):
                found.append(int(entry.name))
    return found


def until(condition: str, check: Callable[[], bool], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError(f"not {condition} after {timeout} s")


def run_env(tmp_path: Path, ports: dict[str, int], marker: str) -> dict[str, str]:
    env = {**os.environ, "SALES_DATA_DIR": str(tmp_path), MARKER: marker}
    env.update({name: str(port) for name, port in ports.items()})
    env.pop("POSTS_API_URL", None)
    return env


def fresh_ports() -> dict[str, int]:
    return {name: free_port() for name in ("API_PORT", "DYNAMODB_PORT", "MOTO_PORT", "POSTS_API_PORT")}


@contextmanager
def make_run(env: dict[str, str], marker: str) -> Iterator[subprocess.Popen[str]]:
    """``python -m infra.local.run``; whatever the test finds, every process it started is gone after."""
    run = subprocess.Popen(
        [sys.executable, "-m", "infra.local.run"],
        cwd=ROOT,
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        yield run
    finally:
        if run.poll() is None:
            run.kill()
            run.wait()
        for pid in survivors(marker):
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def read_until_ready(run: subprocess.Popen[str]) -> list[str]:
    output = []
    assert run.stdout is not None
    for line in run.stdout:
        output.append(line)
        if line.startswith("ready:"):
            break
    assert output, "".join(output)
    assert output[-1].startswith("ready:"), "".join(output)
    return output


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_run_serves_the_data_and_a_stop_signal_ends_every_process(tmp_path: Path, stop: signal.Signals) -> None:
    sales_data.generate(tmp_path, sales_rows=300, seed=2)
    ports, marker = fresh_ports(), uuid.uuid4().hex
    with make_run(run_env(tmp_path, ports, marker), marker) as run:
        output = read_until_ready(run)
        assert f"http://127.0.0.1:{ports['API_PORT']}" in "".join(output)

        answer = requests.get(f"http://127.0.0.1:{ports['API_PORT']}/logs?table_name=sales", timeout=10).json()
        assert len(answer["records"]) == 100

        run.send_signal(stop)
        assert run.wait(timeout=30) == 0
        until("every child gone", lambda: survivors(marker) == [])
    assert [name for name, port in ports.items() if listening(port)] == []


def test_a_second_signal_during_shutdown_still_stops_every_process(tmp_path: Path) -> None:
    """Defect 13: an impatient second Ctrl-C (or ``kill -- -PGID``) must not orphan the stack."""
    sales_data.generate(tmp_path, sales_rows=300, seed=2)
    ports, marker = fresh_ports(), uuid.uuid4().hex
    with make_run(run_env(tmp_path, ports, marker), marker) as run:
        read_until_ready(run)
        assert survivors(marker), "the run's children carry the marker"
        run.send_signal(signal.SIGTERM)
        assert run.stdout is not None
        rest = []
        for line in run.stdout:
            rest.append(line)
            if line.startswith("stopping"):
                break
        run.send_signal(signal.SIGINT)  # during stack.stop()
        run.send_signal(signal.SIGTERM)
        rest.append(run.stdout.read())
        run.wait(timeout=60)
        left = survivors(marker)
        listening_ports = [name for name, port in ports.items() if listening(port)]
    assert (left, listening_ports) == ([], []), "".join(rest)
    assert "Traceback" not in "".join(rest)


def test_a_taken_port_is_reported_before_anything_starts(tmp_path: Path) -> None:
    """Defect 13: a port held by an old stack is named, with the variable to change, and nothing starts."""
    ports, marker = fresh_ports(), uuid.uuid4().hex
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        ports["API_PORT"] = holder.getsockname()[1]
        with make_run(run_env(tmp_path, ports, marker), marker) as run:
            output, _ = run.communicate(timeout=120)
            left = survivors(marker)
    assert run.returncode != 0
    assert f"port {ports['API_PORT']} (API_PORT) is in use" in output
    assert "starting" not in output
    assert left == []
