"""Starting, waiting for and stopping the local stack's processes."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Sequence
from contextlib import suppress
from pathlib import Path


class PortTaken(RuntimeError):
    """A port the stack must listen on is already in use."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def port_is_free(port: int) -> bool:
    """Nothing listens on ``port`` (connections closing in TIME_WAIT do not count, as servers reuse them)."""
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", port)) == 0:
            return False
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def require_free(port: int, variable: str) -> int:
    """``port``, or PortTaken naming it and the variable that changes it."""
    if not port_is_free(port):
        raise PortTaken(
            f"port {port} ({variable}) is in use, perhaps by an earlier `make run` still running "
            f"(`ss -ltnp 'sport = :{port}'` shows what holds it); stop that, or choose another port: "
            f"{variable}={port + 10} make run"
        )
    return port


def port_or_free(variable: str, default: int) -> int:
    """The port in ``variable`` (PortTaken if in use), else ``default`` if it is free, else any free port."""
    if os.environ.get(variable):
        return require_free(int(os.environ[variable]), variable)
    return default if port_is_free(default) else free_port()


def wait_until(
    ready: Callable[[], bool], what: str, timeout: float = 60.0, process: subprocess.Popen[bytes] | None = None
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{what} exited with code {process.returncode} before it was ready")
        try:
            if ready():
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{what} was not ready after {timeout:.0f} s")


class ProcessGroup:
    """Child processes, each leading a process group of its own, stopped together in reverse order."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self.children: list[tuple[str, subprocess.Popen[bytes]]] = []
        self._hurry = False

    def start(
        self, name: str, command: Sequence[str], env: dict[str, str] | None = None, cwd: Path | None = None
    ) -> subprocess.Popen[bytes]:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log = (self.log_dir / f"{name}.log").open("wb")
        process = subprocess.Popen(
            list(command), stdout=log, stderr=subprocess.STDOUT, env=env, cwd=cwd, start_new_session=True
        )
        self.children.append((name, process))
        return process

    def dead(self) -> list[str]:
        return [f"{name} (exit {process.returncode})" for name, process in self.children if process.poll() is not None]

    def hurry(self) -> None:
        """Make a running or coming ``stop`` kill what is left at once (safe in a signal handler)."""
        self._hurry = True

    def stop(self, grace: float = 10.0) -> None:
        """SIGTERM to every child's group, SIGKILL to what still runs after ``grace`` s (at once after
        ``hurry``); returns only when every child has exited. Nothing here raises on a dead process."""
        for _, process in reversed(self.children):
            if process.poll() is None:
                _signal_group(process, signal.SIGTERM)
        deadline = time.monotonic() + grace
        for _, process in reversed(self.children):
            while process.poll() is None:
                if self._hurry or time.monotonic() >= deadline:
                    _signal_group(process, signal.SIGKILL)
                with suppress(subprocess.TimeoutExpired):
                    process.wait(timeout=0.05)
        for _, process in self.children:  # what a child left behind in its group (a runner's environments)
            _signal_group(process, signal.SIGKILL)
        self.children.clear()


def _signal_group(process: subprocess.Popen[bytes], signum: signal.Signals) -> None:
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signum)
