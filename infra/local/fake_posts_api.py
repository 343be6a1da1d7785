"""A local fake of the third-party "posts" REST API (like jsonplaceholder's ``POST /posts``).

Why: the import jobs send every CSV row to a rate-limited third-party API. Tests, benchmarks and
``make run`` need that API on this machine, with its awkward sides made controllable: slow answers
(``latency``), random failures (``error_rate``: 429 with ``Retry-After: 1``, 500, 502, 503), posts
created and then answered late (``late_rate``: after ``hang`` seconds, past the client's timeout)
or never (``drop_rate``: the connection is closed unanswered), an exact ``script`` of the next
answers (``[429, 500, 201, "timeout", "drop"]``), and a record of every arrival so that a test can
check how often the client really called (``max_in_window``) and which posts were created twice.

What: ``POST /posts`` with a JSON object answers 201 ``{"id": N, **body}``, N = 1, 2, 3... (only
successful creations take an id); anything else as body answers 400. Every answer to
``POST /posts`` comes after ``latency`` seconds, except a late one (``"timeout"``), which comes
after ``hang`` seconds (a 201), and a dropped one (``"drop"``): the post is created, then the
connection is closed without an answer. A script entry is taken by each valid ``POST /posts``;
when the script is used up, the rates apply again (one draw: error, else late, else dropped).
Each request runs in its own thread, so latency does not serialise requests. Only 127.0.0.1 is
bound.

In process, use ``FakePostsApi`` (a context manager, or ``start()``/``stop()``). As a separate
process (``python -m infra.local.fake_posts_api --port 8003``), drive it over HTTP:
``GET /_stats`` -> ``{"count", "created", "late", "dropped", "duplicates", "created_twice",
"max_in_1s", "arrivals"}`` (``created_twice``: each title created more than once, with its count;
``duplicates``: the creations beyond the first of each title), ``POST /_config`` with any of
``{"latency", "error_rate", "late_rate", "drop_rate", "hang", "script"}``, ``POST /_reset``.
"""

from __future__ import annotations

import argparse
import json
import random
import signal
import threading
import time
from collections import Counter, deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import FrameType
from typing import Any, Literal, TypedDict, cast

from infra.local.serving import InThread

DESCRIPTION = "A local fake of the third-party posts REST API (POST /posts)."
HOST = "127.0.0.1"
DEFAULT_PORT = 8003
DEFAULT_HANG = 5.0
ERROR_STATUSES = (429, 500, 502, 503)
POLL_SECONDS = 0.05  # how soon stop() is noticed by the serving loop
TIMEOUT: Literal["timeout"] = "timeout"
DROP: Literal["drop"] = "drop"

ScriptEntry = int | Literal["timeout", "drop"]
Answer = Literal["normal", "late", "dropped"]


class Call(TypedDict):
    """One arrival at ``POST /posts``: when (``time.time()``, before any sleep), what, the status, and
    how it was answered (``late``: after ``hang``; ``dropped``: never, the connection closed)."""

    at: float
    body: Any
    status: int
    answer: Answer


class Stats(TypedDict):
    """What ``GET /_stats`` answers."""

    count: int
    created: int
    late: int
    dropped: int
    duplicates: int
    created_twice: dict[str, int]
    max_in_1s: int
    arrivals: list[float]


@dataclass(frozen=True)
class _Reply:
    status: int
    payload: object
    delay: float = 0.0
    drop: bool = False  # close the connection after the delay, answering nothing


def max_in_window(times: Iterable[float], seconds: float = 1.0) -> int:
    """The most ``times`` within any window ``[t, t + seconds)`` that starts at one of them."""
    if seconds <= 0:
        raise ValueError(f"seconds must be positive, not {seconds}")
    ordered = sorted(times)
    best = 0
    end = 0
    for start, first in enumerate(ordered):
        end = max(end, start)
        while end < len(ordered) and ordered[end] < first + seconds:
            end += 1
        best = max(best, end - start)
    return best


def _number(value: object, name: str, low: float, high: float = float("inf")) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise ValueError(f"{name} must be a number in [{low}, {high}], not {value!r}")
    return float(value)


def _optional_number(value: object, name: str, low: float, high: float = float("inf")) -> float | None:
    return None if value is None else _number(value, name, low, high)


def _script_entry(entry: object) -> ScriptEntry:
    if entry == TIMEOUT:
        return TIMEOUT
    if entry == DROP:
        return DROP
    if isinstance(entry, int) and not isinstance(entry, bool) and (entry == 201 or 400 <= entry <= 599):
        return entry
    raise ValueError(f'a script entry is 201, a status in 400-599, "timeout" or "drop", not {entry!r}')


def _script_entries(entries: object) -> list[ScriptEntry]:
    if not isinstance(entries, list | tuple):
        raise ValueError(f"a script is a list of entries, not {entries!r}")
    return [_script_entry(entry) for entry in entries]


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return f"HTTP {status}"


def title_of(body: Any) -> str:
    """What tells two posts apart: the title, or the whole body when it has none."""
    title = body.get("title") if isinstance(body, dict) else None
    return title if isinstance(title, str) else json.dumps(body, sort_keys=True)


def _parse_json(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return None


class FakePostsApi(InThread):
    """The fake API, served from a daemon thread on 127.0.0.1 (``port=0``: any free port)."""

    def __init__(
        self,
        port: int = 0,
        latency: float = 0.0,
        error_rate: float = 0.0,
        seed: int | None = None,
        *,
        hang: float = DEFAULT_HANG,
        late_rate: float = 0.0,
        drop_rate: float = 0.0,
        verbose: bool = False,
    ) -> None:
        self.port = port
        self.verbose = verbose
        self._lock = threading.Lock()
        self._rng = random.Random(seed)
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._latency = 0.0
        self._error_rate = 0.0
        self._late_rate = 0.0
        self._drop_rate = 0.0
        self._hang = DEFAULT_HANG
        self._script: deque[ScriptEntry] = deque()
        self._calls: list[Call] = []
        self._next_id = 1
        self.configure(latency=latency, error_rate=error_rate, hang=hang, late_rate=late_rate, drop_rate=drop_rate)

    # -- lifecycle

    def start(self) -> FakePostsApi:
        """Bind and serve in a daemon thread; ``self`` back, for chaining."""
        if self._server is not None:
            raise RuntimeError("the fake posts API is already running")
        self._stopping.clear()
        self._server = _Server((HOST, self.port), self)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(POLL_SECONDS,), name="fake-posts-api", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket; requests still sleeping are woken and answered."""
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        self._stopping.set()
        server.shutdown()
        server.server_close()
        thread.join()
        self._server = self._thread = None

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``, without a trailing slash; only once started."""
        if self._server is None:
            raise RuntimeError("the fake posts API is not running: call start() or use it in a with block")
        return f"http://{HOST}:{self.port}"

    # -- control

    def configure(
        self,
        *,
        latency: float | None = None,
        error_rate: float | None = None,
        hang: float | None = None,
        late_rate: float | None = None,
        drop_rate: float | None = None,
    ) -> None:
        """Change the delay of answers, the shares of random errors, late and dropped answers, or the
        delay of a late answer; the three shares together are at most 1."""
        new_latency = _optional_number(latency, "latency", 0.0)
        new_hang = _optional_number(hang, "hang", 0.0)
        rates = {
            name: _optional_number(value, name, 0.0, 1.0)
            for name, value in (("error_rate", error_rate), ("late_rate", late_rate), ("drop_rate", drop_rate))
        }
        with self._lock:
            merged = {name: getattr(self, f"_{name}") if value is None else value for name, value in rates.items()}
            if sum(merged.values()) > 1.0:
                raise ValueError(f"error_rate + late_rate + drop_rate must be at most 1, not {sum(merged.values())}")
            self._latency = self._latency if new_latency is None else new_latency
            self._hang = self._hang if new_hang is None else new_hang
            self._error_rate, self._late_rate, self._drop_rate = (
                merged["error_rate"],
                merged["late_rate"],
                merged["drop_rate"],
            )

    def script(self, entries: Sequence[ScriptEntry]) -> None:
        """Force the next answers, one entry per ``POST /posts``; replaces any script not yet used up."""
        checked = _script_entries(list(entries))
        with self._lock:
            self._script = deque(checked)

    def reset(self) -> None:
        """Forget every call and any pending script; ids start again at 1. The configuration stays."""
        with self._lock:
            self._calls.clear()
            self._script.clear()
            self._next_id = 1

    # -- records

    def calls(self) -> list[Call]:
        with self._lock:
            return [cast(Call, dict(call)) for call in self._calls]

    def arrivals(self) -> list[float]:
        with self._lock:
            return [call["at"] for call in self._calls]

    def created(self) -> list[dict[str, Any]]:
        """The request bodies that were answered 201, in arrival order."""
        with self._lock:
            return [call["body"] for call in self._calls if call["status"] == 201]

    def max_in_window(self, seconds: float = 1.0) -> int:
        """The most arrivals within any ``seconds`` long window."""
        return max_in_window(self.arrivals(), seconds)

    def creations(self) -> Counter[str]:
        """How many posts were created with each title (``title_of``)."""
        return Counter(title_of(body) for body in self.created())

    def stats(self) -> Stats:
        """What ``GET /_stats`` answers: calls, creations (late, dropped, twice), the busiest second,
        and every arrival time."""
        calls = self.calls()
        arrivals = [call["at"] for call in calls]
        created = [call for call in calls if call["status"] == 201]
        twice = {title: count for title, count in self.creations().items() if count > 1}
        return Stats(
            count=len(calls),
            created=len(created),
            late=sum(1 for call in created if call["answer"] == "late"),
            dropped=sum(1 for call in created if call["answer"] == "dropped"),
            duplicates=sum(count - 1 for count in twice.values()),
            created_twice=twice,
            max_in_1s=max_in_window(arrivals),
            arrivals=arrivals,
        )

    # -- answers (called by the request handler)

    def _answer_post(self, raw: bytes) -> _Reply:
        at = time.time()
        body = _parse_json(raw)
        with self._lock:
            if not isinstance(body, dict):
                self._calls.append(Call(at=at, body=body, status=400, answer="normal"))
                return _Reply(400, {"error": "the body must be a JSON object"}, self._latency)
            status, answer = self._decide()
            self._calls.append(Call(at=at, body=body, status=status, answer=answer))
            delay = self._hang if answer == "late" else self._latency
            if status != 201:
                return _Reply(status, {"error": _phrase(status)}, delay)
            post_id, self._next_id = self._next_id, self._next_id + 1
        return _Reply(201, {"id": post_id, **body}, delay, drop=answer == "dropped")

    def _decide(self) -> tuple[int, Answer]:
        """The status of the next creation and how it is answered; the caller holds the lock."""
        if self._script:
            entry = self._script.popleft()
            if entry == TIMEOUT:
                return 201, "late"
            return (201, "dropped") if entry == DROP else (int(entry), "normal")
        if self._error_rate + self._late_rate + self._drop_rate <= 0:
            return 201, "normal"
        point = self._rng.random()
        if point < self._error_rate:
            return self._rng.choice(ERROR_STATUSES), "normal"
        point -= self._error_rate
        if point < self._late_rate:
            return 201, "late"
        return (201, "dropped") if point - self._late_rate < self._drop_rate else (201, "normal")

    def _answer_config(self, raw: bytes) -> _Reply:
        config = _parse_json(raw)
        if not isinstance(config, dict):
            return _Reply(400, {"error": "the body must be a JSON object"})
        try:
            script = _script_entries(config["script"]) if "script" in config else None
            self.configure(
                latency=config.get("latency"),
                error_rate=config.get("error_rate"),
                hang=config.get("hang"),
                late_rate=config.get("late_rate"),
                drop_rate=config.get("drop_rate"),
            )
            if script is not None:
                self.script(script)
        except ValueError as exc:
            return _Reply(400, {"error": str(exc)})
        return _Reply(200, self._settings())

    def _settings(self) -> dict[str, object]:
        with self._lock:
            return {
                "latency": self._latency,
                "error_rate": self._error_rate,
                "late_rate": self._late_rate,
                "drop_rate": self._drop_rate,
                "hang": self._hang,
                "script": list(self._script),
            }

    def _answer(self, method: str, path: str, raw: bytes) -> _Reply:
        route = (method, path.split("?", 1)[0].rstrip("/") or "/")
        if route == ("POST", "/posts"):
            return self._answer_post(raw)
        if route == ("GET", "/_stats"):
            return _Reply(200, self.stats())
        if route == ("POST", "/_config"):
            return self._answer_config(raw)
        if route == ("POST", "/_reset"):
            self.reset()
            return _Reply(200, {"reset": True})
        return _Reply(404, {"error": f"no route {method} {path}"})

    def _sleep(self, seconds: float) -> None:
        """Sleep, but wake at once when the server stops."""
        if seconds > 0:
            self._stopping.wait(seconds)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # many clients connecting at once must not wait for SYN retries

    def __init__(self, address: tuple[str, int], api: FakePostsApi) -> None:
        super().__init__(address, _Handler)
        self.api = api

    def handle_error(self, request: Any, client_address: Any) -> None:
        if self.api.verbose:
            super().handle_error(request, client_address)


def _content_length(header: str | None) -> int:
    try:
        return max(int(header or 0), 0)
    except ValueError:
        return 0


class _Handler(BaseHTTPRequestHandler):
    server_version = "FakePostsApi/1.0"

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def _handle(self, method: str) -> None:
        api = cast(_Server, self.server).api
        length = _content_length(self.headers.get("Content-Length"))
        reply = api._answer(method, self.path, self.rfile.read(length) if length > 0 else b"")
        api._sleep(reply.delay)
        if reply.drop:
            self.close_connection = True  # the post exists; the client never hears of it
            return
        self._send(reply)

    def _send(self, reply: _Reply) -> None:
        data = json.dumps(reply.payload).encode()
        try:
            self.send_response(reply.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            if reply.status == 429:
                self.send_header("Retry-After", "1")
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (its timeout): nothing to answer to

    def log_message(self, format: str, *args: Any) -> None:
        if cast(_Server, self.server).api.verbose:
            super().log_message(format, *args)


def _stop_on_signal(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m infra.local.fake_posts_api", description=DESCRIPTION)
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port on 127.0.0.1 (default {DEFAULT_PORT})")
    parser.add_argument("--latency", type=float, default=0.1, help="seconds before each answer (default 0.1)")
    parser.add_argument("--error-rate", type=float, default=0.0, help="share of random 429/5xx answers (default 0)")
    parser.add_argument("--late-rate", type=float, default=0.0, help="share of posts created, answered after --hang")
    parser.add_argument("--drop-rate", type=float, default=0.0, help="share of posts created, never answered")
    parser.add_argument("--hang", type=float, default=DEFAULT_HANG, help=f"seconds of a late answer ({DEFAULT_HANG})")
    parser.add_argument("--seed", type=int, default=None, help="seed of the random errors")
    parser.add_argument("--verbose", action="store_true", help="log each request to stderr")
    return parser.parse_args()


def main() -> None:
    arguments = _arguments()
    signal.signal(signal.SIGINT, _stop_on_signal)
    signal.signal(signal.SIGTERM, _stop_on_signal)
    api = FakePostsApi(
        arguments.port,
        arguments.latency,
        arguments.error_rate,
        arguments.seed,
        hang=arguments.hang,
        late_rate=arguments.late_rate,
        drop_rate=arguments.drop_rate,
        verbose=arguments.verbose,
    )
    try:  # the signal may come as soon as the URL is out, so printing is inside the try too
        with api:
            print(api.url, flush=True)
            while True:
                time.sleep(0.2)  # a signal taken by another thread is seen within this
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
