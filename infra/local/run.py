"""``make run``: the whole service on this machine, stopped together by Ctrl-C.

Starts the local AWS stack (``STACK``: DynamoDB Local and moto server by default, LocalStack 4.14.0
with ``STACK=localstack``), creates the resources, serves the API on
http://127.0.0.1:8000 (``API_PORT``), runs the local Lambda runner, then loads the sales data
from ``data/`` (``SALES_DATA_DIR``), generating it if absent; ``/logs`` answers "loading, N%"
meanwhile. DynamoDB Local and moto listen on 8001 and 8002 when free (``DYNAMODB_PORT``,
``MOTO_PORT``), LocalStack on 4566 (``LOCALSTACK_PORT``), else on any free port; the addresses
are printed. A port that is set (or 8000) but taken stops it before anything starts. Once
stopping, it finishes whatever signals arrive; a second one kills what is left at once instead of
waiting for it to exit.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import FrameType

from chalicelib.aws import clients
from chalicelib.config import get_settings
from chalicelib.records.tables import TABLES
from infra.load import load_tables
from infra.local.dynamodb_local import MissingTool
from infra.local.processes import PortTaken, port_or_free, require_free
from infra.local.stack import CACHE, ROOT, LocalStack, stack_name
from infra.resources import provision


def _ports() -> dict[str, int]:
    """The ports to listen on, checked before anything starts (PortTaken names a taken one)."""
    ports = {
        "api": require_free(int(os.environ.get("API_PORT") or 8000), "API_PORT"),
        "posts": port_or_free("POSTS_API_PORT", 8003),
    }
    if stack_name() == "localstack":
        return {**ports, "localstack": port_or_free("LOCALSTACK_PORT", 4566)}
    return {**ports, "dynamodb": port_or_free("DYNAMODB_PORT", 8001), "moto": port_or_free("MOTO_PORT", 8002)}


def _start_aws(stack: LocalStack, ports: dict[str, int]) -> dict[str, str]:
    if "localstack" in ports:
        print("starting the local AWS stack (LocalStack 4.14.0, host mode)...")
        return stack.start_localstack(ports["localstack"])
    print("starting the local AWS stack (DynamoDB Local, moto server)...")
    return stack.start_embedded(ports["dynamodb"], ports["moto"])


def _on_signals(handler: Callable[[int, FrameType | None], None]) -> None:
    # Explicit handlers: SIGTERM, and SIGINT even where the shell started us with it ignored.
    signal.signal(signal.SIGINT, handler)
    signal.signal(signal.SIGTERM, handler)


def _stopping(stack: LocalStack) -> None:
    """From now on a signal never interrupts the shutdown: it only makes it kill what is left at once."""

    def hurry(signum: int, frame: FrameType | None) -> None:
        os.write(2, b"stopping at once (SIGKILL)...\n")  # not print: this may interrupt a print
        stack.group.hurry()

    _on_signals(hurry)


def main() -> None:
    try:
        ports = _ports()
    except (PortTaken, ValueError) as exc:
        print(f"cannot start: {exc}", file=sys.stderr)
        sys.exit(2)
    stack = LocalStack(CACHE / "logs")

    def stop_on_signal(signum: int, frame: FrameType | None) -> None:
        _stopping(stack)  # before raising: a second signal must not interrupt the shutdown
        raise KeyboardInterrupt

    _on_signals(stop_on_signal)
    try:
        os.environ.update(_start_aws(stack, ports))
        clients.reset()
        for line in provision(get_settings(), clients.dynamodb(), clients.sqs(), clients.s3()):
            print(f"  {line}")
        stack.start_api(ports["api"])
        stack.start_posts_api(ports["posts"])
        stack.start_worker()
        for name, url in stack.urls.items():
            print(f"  {name:<14} {url}")
        print(f"  logs           {CACHE / 'logs'}/")
        print("loading the sales data (GET /logs answers 503 'loading, N%' until done)...")
        load_tables(Path(os.environ.get("SALES_DATA_DIR", ROOT / "data")), list(TABLES.values()))
        print(f"ready: try  curl '{stack.urls['api']}/logs?table_name=sales'   (Ctrl-C stops everything)")
        while not stack.group.dead():
            time.sleep(1)
        print(f"stopped: {', '.join(stack.group.dead())} exited; see {CACHE / 'logs'}/", file=sys.stderr)
        sys.exit(1)
    except MissingTool as exc:
        print(f"cannot start: {exc}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        print("\nstopping...", flush=True)
    finally:
        _stopping(stack)
        stack.stop()


if __name__ == "__main__":
    main()
