"""A local Lambda execution environment, seen from the runner: a process of its own, reused warm.

The first invocation starts the process (``infra.local.lambda_child``) and waits for it to import
the app (the cold start, Lambda's "Init Duration"); later invocations reuse it. While an invocation
runs, the runner watches it and kills the process (SIGKILL), as Lambda ends an environment, when:

- ``timeout``: the function's ``lambda_timeout`` has passed;
- ``memory``: its resident memory (RSS) exceeds ``lambda_memory_size``;
- ``injected kill``: the chaos setting ``LAMBDA_KILL_RATE`` chose this invocation;
and reports ``crash`` when the process died by itself. A dead environment is started afresh at
the next invocation. Memory is watched from outside rather than capped with ``RLIMIT_AS``: an
address-space limit counts the virtual reservations of DuckDB, numpy and glibc's per-thread arenas
(gigabytes that are never touched), so it fails allocations as a ``MemoryError`` inside the
handler long before the memory in use reaches the limit, where Lambda kills the whole environment.
"""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, Literal

from infra.local.lambda_context import now_ms
from infra.local.lambda_functions import Function

Status = Literal["ok", "error", "timeout", "memory", "crash", "injected kill"]
DEATHS: tuple[Status, ...] = ("timeout", "memory", "crash", "injected kill")
# Lambda gives the init phase (importing the app) 10 s; a slow laptop gets the function's timeout if longer.
INIT_SECONDS = 10.0
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
_PROC = Path("/proc/self/statm").exists()


def rss_mb(pid: int) -> float:
    """The resident memory of process ``pid`` in MB (``/proc`` on Linux, ``ps`` elsewhere); 0 if gone."""
    try:
        if _PROC:
            return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * _PAGE / 2**20
        ps = subprocess.run(["ps", "-o", "rss=", "-p", str(pid)], capture_output=True, text=True, check=False)
        return int(ps.stdout.strip() or 0) / 1024
    except (OSError, ValueError, IndexError):
        return 0.0


@dataclass(frozen=True)
class Outcome:
    """How one invocation ended: its handler's answer, its error, or why its environment died."""

    status: Status
    request_id: str
    result: Any = None
    detail: str = ""
    duration_ms: float = 0.0
    init_ms: float | None = None  # set when this invocation started the environment (a cold start)
    max_memory_mb: float = 0.0
    pid: int = 0

    @property
    def died(self) -> bool:
        return self.status in DEATHS


class KillSwitch:
    """Chaos: kills a ``rate`` fraction of invocations (SIGKILL) at a random point of their run.

    The point is drawn uniformly within the function's recent typical duration; an invocation that
    finishes before it is killed anyway, after its handler returned and before its answer reaches
    the event source, so the rate holds exactly and that window (work done, message not yet
    deleted) is exercised too.
    """

    def __init__(self, rate: float, seed: int) -> None:
        self.rate, self.seed = rate, seed
        self._random = random.Random(seed)
        self._typical: dict[str, float] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_env(cls, environ: dict[str, str] | os._Environ[str]) -> KillSwitch | None:
        """``LAMBDA_KILL_RATE`` (a probability) and ``LAMBDA_KILL_SEED`` (an integer, random if unset)."""
        rate = float(environ.get("LAMBDA_KILL_RATE") or 0)
        if not 0 <= rate <= 1:
            raise ValueError(f"LAMBDA_KILL_RATE must be a probability between 0 and 1, not {rate}")
        if rate == 0:
            return None
        seed = environ.get("LAMBDA_KILL_SEED")
        return cls(rate, int(seed) if seed else random.SystemRandom().randrange(2**32))

    def draw(self, function: str) -> float | None:
        """Seconds into the coming invocation of ``function`` at which to kill it, or None to spare it."""
        with self._lock:
            if self._random.random() >= self.rate:
                return None
            return self._random.uniform(0, self._typical.get(function, 1.0))

    def observe(self, function: str, seconds: float) -> None:
        """Learn ``function``'s typical duration from a finished invocation (a moving average)."""
        with self._lock:
            previous = self._typical.get(function)
            self._typical[function] = seconds if previous is None else 0.8 * previous + 0.2 * seconds


class Environment:
    """One execution environment of ``function``: used by one caller at a time, restarted when it dies."""

    def __init__(self, function: Function, kills: KillSwitch | None = None, tick: float = 0.02) -> None:
        self.function = function
        self.kills = kills
        self.tick = tick
        self.process: subprocess.Popen[bytes] | None = None
        self._connection: Connection | None = None
        self._max_rss = 0.0

    @property
    def pid(self) -> int:
        return self.process.pid if self.process else 0

    def invoke(self, event: dict[str, Any]) -> Outcome:
        """Run the handler on ``event`` in this environment (starting it if needed); never raises for a death."""
        request_id = str(uuid.uuid4())
        init_ms = None
        if self.process is None:
            started = time.monotonic()
            died = self._start(request_id)
            if died is not None:
                return died
            init_ms = (time.monotonic() - started) * 1000
        connection, timeout = self._connection, self.function.timeout_seconds
        assert connection is not None
        started = time.monotonic()
        kill_after = self.kills.draw(self.function.name) if self.kills else None
        kill_at = None if kill_after is None else started + kill_after
        self._max_rss = 0.0
        try:
            connection.send((request_id, event, now_ms() + int(timeout * 1000)))
        except OSError:
            return self._outcome(*self._crashed(), request_id, started, init_ms)
        kind, payload = self._wait(started + timeout, kill_at)
        duration = time.monotonic() - started
        if kind != "message":
            return self._outcome(kind, f"{payload}, {duration:.3f} s in", request_id, started, init_ms)
        if kill_at is not None:
            self._kill()
            return self._outcome(
                "injected kill",
                f"killed {duration:.3f} s in, after the handler returned and before its answer was delivered",
                request_id,
                started,
                init_ms,
            )
        if self.kills:
            self.kills.observe(self.function.name, duration)
        status, *rest = payload
        ok = status == "ok"
        return Outcome(
            "ok" if ok else "error",
            request_id,
            result=rest[0] if ok else None,
            detail="" if ok else "\n".join(rest),
            duration_ms=duration * 1000,
            init_ms=init_ms,
            max_memory_mb=self._max_rss,
            pid=self.pid,
        )

    def close(self) -> None:
        """Stop the environment (the runner is shutting down)."""
        self._kill()

    def _outcome(self, status: Status, detail: str, request_id: str, started: float, init_ms: float | None) -> Outcome:
        pid = self.pid
        self._discard()
        return Outcome(
            status,
            request_id,
            detail=detail,
            duration_ms=(time.monotonic() - started) * 1000,
            init_ms=init_ms,
            max_memory_mb=self._max_rss,
            pid=pid,
        )

    def _start(self, request_id: str) -> Outcome | None:
        """Start the process and wait for its init phase; the Outcome if it died doing so."""
        ours, theirs = socket.socketpair()
        environment = {
            **self.function.environment,
            **os.environ,
            "AWS_LAMBDA_FUNCTION_NAME": self.function.name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(self.function.memory_mb),
        }
        started = time.monotonic()
        with theirs:
            self.process = subprocess.Popen(
                [
                    *(sys.executable, "-m", "infra.local.lambda_child", "--fd", str(theirs.fileno())),
                    *("--function", self.function.name, "--handler", self.function.handler),
                    *("--memory", str(self.function.memory_mb)),
                ],
                pass_fds=[theirs.fileno()],
                cwd=self.function.project_dir,
                env={**environment, "PYTHONPATH": _pythonpath(environment)},
            )
        self._connection = Connection(ours.detach())
        self._max_rss = 0.0
        kind, payload = self._wait(started + max(INIT_SECONDS, self.function.timeout_seconds), None)
        if kind == "message" and payload[0] == "ready":
            return None
        if kind == "message":  # init_error: the module failed to import
            self._kill()
            return self._outcome("crash", f"init failed:\n{payload[1]}", request_id, started, None)
        return self._outcome(kind, f"during init: {payload}", request_id, started, None)

    def _wait(self, until: float, kill_at: float | None) -> tuple[Any, Any]:
        """The environment's next message as ("message", it), or (why it died, detail) after killing it."""
        connection = self._connection
        assert connection is not None and self.process is not None
        while True:
            now = time.monotonic()
            nearest = until if kill_at is None else min(until, kill_at)
            answered = connection.poll(max(0.0, min(nearest - now, self.tick)))
            used = rss_mb(self.process.pid)  # also once after a quick answer, for the REPORT line
            self._max_rss = max(self._max_rss, used)
            if answered:
                try:
                    return "message", connection.recv()
                except (EOFError, OSError):
                    return self._crashed()
            now = time.monotonic()
            if used > self.function.memory_mb:
                self._kill()
                return "memory", f"{used:.0f} MB in use, over lambda_memory_size {self.function.memory_mb} MB"
            if kill_at is not None and now >= kill_at:
                self._kill()
                return "injected kill", "killed at random (LAMBDA_KILL_RATE)"
            if now >= until:
                self._kill()
                return "timeout", f"Task timed out after {self.function.timeout_seconds:.2f} seconds"

    def _crashed(self) -> tuple[Status, str]:
        assert self.process is not None
        try:
            code = self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._kill()
            return "crash", "its connection broke; killed"
        if code < 0:
            return "crash", f"killed by {signal.Signals(-code).name}"
        return "crash", f"exited with code {code}"

    def _kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
        if self.process is not None:
            self.process.wait()

    def _discard(self) -> None:
        self._kill()
        if self._connection is not None:
            self._connection.close()
        self.process, self._connection = None, None


def _pythonpath(environment: dict[str, str]) -> str:
    """The runner's own code first (``infra``), then whatever PYTHONPATH was."""
    root = str(Path(__file__).resolve().parents[2])
    return os.pathsep.join(part for part in (root, environment.get("PYTHONPATH", "")) if part)
