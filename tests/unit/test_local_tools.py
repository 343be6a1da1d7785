"""The local stack's tools: without Java or npm it says what is missing and how to install it; a taken
port is named with the variable that changes it; stopping leaves no process behind."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import sys
import time
from pathlib import Path

import pytest

from infra.local import dynamodb_local, processes
from infra.local.dynamodb_local import MissingTool


@pytest.fixture
def nothing_on_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda program: None)


def test_missing_java_names_the_fix(nothing_on_path: None, tmp_path: Path) -> None:
    with pytest.raises(MissingTool, match=r"`java` was not found on PATH\. .*Java 17.*apt-get install openjdk-17"):
        dynamodb_local.command(tmp_path, 8001)


def test_missing_npm_names_the_fix(nothing_on_path: None, tmp_path: Path) -> None:
    with pytest.raises(MissingTool, match=r"`npm` was not found on PATH\. .*apt-get install nodejs npm"):
        dynamodb_local.ensure_installed(tmp_path)


def test_an_installed_emulator_needs_no_npm(nothing_on_path: None, tmp_path: Path) -> None:
    folder = tmp_path / "dynamodb-local"
    folder.mkdir()
    (folder / dynamodb_local.JAR).write_bytes(b"")
    assert dynamodb_local.ensure_installed(tmp_path) == folder


def test_a_taken_port_is_named_with_the_variable_that_changes_it(monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        assert not processes.port_is_free(port)
        with pytest.raises(processes.PortTaken, match=rf"port {port} \(API_PORT\) is in use.*API_PORT={port + 10}"):
            processes.require_free(port, "API_PORT")
        monkeypatch.setenv("MOTO_PORT", str(port))
        with pytest.raises(processes.PortTaken, match=rf"port {port} \(MOTO_PORT\)"):
            processes.port_or_free("MOTO_PORT", 8002)
        monkeypatch.delenv("MOTO_PORT")
        assert processes.port_or_free("MOTO_PORT", port) != port  # the default is taken: any free port
    assert processes.port_is_free(port)


IGNORES_SIGTERM = (
    "import os, signal, sys, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
    "print(os.getpid(), flush=True); time.sleep(600)"
)


def _pid_in(log: Path) -> int:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        text = log.read_text() if log.exists() else ""
        if text.strip():
            return int(text.split()[0])
        time.sleep(0.02)
    raise AssertionError(f"nothing in {log}")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().split(")")[-1].split()[0] == "Z")


def test_stopping_kills_a_child_that_ignores_sigterm_and_what_it_left_in_its_group(tmp_path: Path) -> None:
    group = processes.ProcessGroup(tmp_path)
    stubborn = group.start("stubborn", [sys.executable, "-c", IGNORES_SIGTERM])
    # A leader that exits on SIGTERM and leaves a grandchild that ignores it, as a runner's environment.
    group.start("leader", ["sh", "-c", f'{sys.executable} -c "{IGNORES_SIGTERM}" & wait'])
    orphan = _pid_in(tmp_path / "leader.log")
    _pid_in(tmp_path / "stubborn.log")
    group.hurry()  # as a second Ctrl-C does: no waiting for the grace period
    group.stop(grace=600)
    assert stubborn.returncode == -signal.SIGKILL
    assert not _alive(orphan)
    assert group.children == []
