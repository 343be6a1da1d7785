"""A fault-injecting HTTP proxy in front of one AWS service of the local stack (chaos mode).

Why: the service promises that jobs end right whatever AWS does, and AWS throttles, fails, is
slow and loses answers. Put between the app and DynamoDB Local or moto server (point
``AWS_ENDPOINT_URL_<SERVICE>`` at it), the proxy forwards each request and its answer unchanged
(status, headers and body bytes; only hop-by-hop headers are rewritten: one upstream connection
per request), and at the rates of ``infra.local.faults`` injects the service's own throttling
error, a 500, latency or a reset connection, before forwarding (nothing happened upstream) or
after (the work was done, the answer is lost), or forwards an SQS send twice.

It counts the faults it injected per kind and keeps a log of every exchange (the operation, the
fault, the upstream's status and a few facts from ``infra.local.wire``, never the bodies), which
the chaos tally reads. Only 127.0.0.1 is bound.

By hand, in front of ``make run``'s DynamoDB Local (then start the API with
``AWS_ENDPOINT_URL_DYNAMODB`` set to the printed URL):

    python -m infra.local.chaos_proxy dynamodb http://127.0.0.1:8001 --rate 0.05 [--seed N] [--port P]
"""

from __future__ import annotations

import argparse
import http.client
import random
import signal
import socket
import struct
import threading
import time
import urllib.parse
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, cast

from infra.local import wire
from infra.local.faults import Fault, FaultDraw, FaultRates
from infra.local.serving import InThread

HOST = "127.0.0.1"
UPSTREAM_TIMEOUT = 70.0  # longer than any long poll (SQS waits up to 20 s)
HOP_BY_HOP = frozenset({"connection", "keep-alive", "transfer-encoding", "proxy-connection", "expect", "te"})


@dataclass(frozen=True)
class Upstream:
    """An upstream's answer, read whole."""

    status: int
    reason: str
    headers: list[tuple[str, str]]
    body: bytes


@dataclass(frozen=True)
class Exchange:
    """One request through the proxy: what it was, what was injected, what the upstream answered."""

    at: float
    service: wire.Service
    operation: str
    path: str
    fault: Fault | None
    forwarded: int  # how many times the upstream saw it (0, 1, or 2 for a duplicate)
    status: int | None  # the upstream's status (of the last forwarding), None if not forwarded
    facts: dict[str, Any] = field(default_factory=dict)

    @property
    def acknowledged(self) -> bool:
        """The client got the upstream's success answer."""
        return self.status is not None and 200 <= self.status < 300 and self.fault not in _ANSWER_LOST


_ANSWER_LOST = (Fault.ERROR_AFTER, Fault.RESET_AFTER)


class ChaosProxy(InThread):
    """The proxy for one service, served from daemon threads (``port=0``: any free port)."""

    def __init__(
        self, service: wire.Service, upstream: str, rates: FaultRates, seed: int, port: int = 0, *, log: bool = True
    ) -> None:
        self.service = service
        self.upstream = urllib.parse.urlsplit(upstream)
        self.draw = FaultDraw(rates, seed)
        self.port = port
        self.keep_log = log
        self._lock = threading.Lock()
        self._exchanges: list[Exchange] = []
        self._injected: Counter[Fault] = Counter()
        self._requests = 0
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle

    def start(self) -> ChaosProxy:
        self._server = _Server((HOST, self.port), self)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.1,), name=f"chaos-{self.service}", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join()
        self._server = self._thread = None

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    # -- records

    def exchanges(self) -> list[Exchange]:
        with self._lock:
            return list(self._exchanges)

    def injected(self) -> Counter[Fault]:
        """How many faults of each kind were injected so far."""
        with self._lock:
            return Counter(self._injected)

    def requests(self) -> int:
        """How many requests came through."""
        with self._lock:
            return self._requests

    def _record(self, exchange: Exchange) -> None:
        with self._lock:
            self._requests += 1
            if exchange.fault is not None:
                self._injected[exchange.fault] += 1
            if self.keep_log:
                self._exchanges.append(exchange)

    # -- forwarding

    def forward(self, method: str, path: str, headers: list[tuple[str, str]], body: bytes) -> Upstream:
        """Send the request upstream on a new connection and read the whole answer."""
        connection = http.client.HTTPConnection(
            self.upstream.hostname or HOST, self.upstream.port, timeout=UPSTREAM_TIMEOUT
        )
        try:
            connection.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
            for name, value in headers:
                if name.lower() not in HOP_BY_HOP and name.lower() != "content-length":
                    connection.putheader(name, value)
            connection.putheader("Content-Length", str(len(body)))
            connection.putheader("Connection", "close")
            connection.endheaders(body)
            response = connection.getresponse()
            data = response.read()
            return Upstream(response.status, response.reason, response.getheaders(), data)
        finally:
            connection.close()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], proxy: ChaosProxy) -> None:
        super().__init__(address, _Handler)
        self.proxy = proxy

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that went away (or a reset we made) is not an error of the proxy


def _read_chunked(stream: Any) -> bytes:
    """A chunked request body, de-chunked (it is forwarded with a Content-Length)."""
    parts: list[bytes] = []
    while True:
        size = int(stream.readline().split(b";", 1)[0].strip() or b"0", 16)
        if size == 0:
            while stream.readline() not in (b"\r\n", b"\n", b""):
                pass
            return b"".join(parts)
        parts.append(stream.read(size))
        stream.readline()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as botocore's connection pool expects

    def do_GET(self) -> None:
        self._relay()

    do_PUT = do_POST = do_DELETE = do_HEAD = do_GET

    def _relay(self) -> None:
        proxy = cast(_Server, self.server).proxy
        body = self._body()
        operation = wire.operation(proxy.service, self.command, self.headers.get("X-Amz-Target"))
        fault, delay = proxy.draw.next(operation)
        forwarded, upstream = 0, None
        if fault is Fault.LATENCY:
            time.sleep(delay)
        if fault is None or fault.forwards:
            headers = list(self.headers.items())
            upstream = proxy.forward(self.command, self.path, headers, body)
            forwarded = 1
            if fault is Fault.DUPLICATE:
                upstream = proxy.forward(self.command, self.path, headers, body)
                forwarded = 2
        answer = upstream.body if upstream is not None else None
        facts = wire.facts(proxy.service, operation, self.path, body, answer if fault not in _ANSWER_LOST else None)
        status = upstream.status if upstream is not None else None
        proxy._record(Exchange(time.time(), proxy.service, operation, self.path, fault, forwarded, status, facts))
        if fault in (Fault.RESET_BEFORE, Fault.RESET_AFTER):
            self._reset()
        elif fault is Fault.THROTTLE:
            throttles = wire.THROTTLES[proxy.service]
            self._send_error(throttles[proxy.draw.choice(len(throttles))])
        elif fault in (Fault.ERROR_BEFORE, Fault.ERROR_AFTER):
            self._send_error(wire.SERVER_ERRORS[proxy.service])
        elif upstream is not None:
            self._send_upstream(upstream)

    def _body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return _read_chunked(self.rfile)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _send_upstream(self, upstream: Upstream) -> None:
        self.send_response_only(upstream.status, upstream.reason)
        has_length = False
        for name, value in upstream.headers:
            lower = name.lower()
            if lower in HOP_BY_HOP:
                continue
            if lower == "content-length":
                has_length = True
                if self.command != "HEAD":
                    value = str(len(upstream.body))
            self.send_header(name, value)
        if not has_length:
            self.send_header("Content-Length", str(len(upstream.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(upstream.body)

    def _send_error(self, error: wire.WireError) -> None:
        self.send_response_only(error.status)
        for name, value in error.headers:
            self.send_header(name, value)
        self.send_header("x-amzn-RequestId", "chaos-proxy")
        self.send_header("Content-Length", str(len(error.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(error.body)

    def _reset(self) -> None:
        """Close the client's connection with a TCP reset (SO_LINGER 0), answering nothing."""
        self.close_connection = True
        try:
            self.wfile.flush()
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
        except OSError:
            pass

    def log_message(self, format: str, *args: Any) -> None:
        pass


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m infra.local.chaos_proxy", description=__doc__.split("\n\n")[0])
    parser.add_argument("service", choices=wire.SERVICES, help="the upstream's protocol")
    parser.add_argument("upstream", help="the upstream's URL, e.g. http://127.0.0.1:8001")
    parser.add_argument("--rate", type=float, default=0.05, help="share of requests faulted (default 0.05)")
    parser.add_argument("--seed", type=int, default=None, help="the faults' seed (default: a new one, printed)")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: any free port)")
    return parser.parse_args()


def main() -> None:
    arguments = _arguments()
    seed = random.SystemRandom().randrange(1, 1_000_000) if arguments.seed is None else arguments.seed
    proxy = ChaosProxy(arguments.service, arguments.upstream, FaultRates.split(arguments.rate), seed, arguments.port)
    proxy.keep_log = False  # it may run for hours: count, do not keep every exchange
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    with proxy:
        print(proxy.url, flush=True)
        print(f"{arguments.service} -> {arguments.upstream}, {arguments.rate:g} faulted, seed {seed}", flush=True)
        while not stop.wait(0.2):
            pass
    counts = ", ".join(f"{fault.value} {n}" for fault, n in proxy.injected().items()) or "none"
    print(f"{proxy.requests()} requests; faults injected: {counts}", flush=True)


if __name__ == "__main__":
    main()
