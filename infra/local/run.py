"""``make run``: the whole service on this machine, stopped together by Ctrl-C.

Starts DynamoDB Local and moto server, creates the resources, serves the API on
http://127.0.0.1:8000 (``API_PORT``), runs the local Lambda runner, then loads the sales data
from ``data/`` (``SALES_DATA_DIR``), generating it if absent; ``/logs`` answers "loading, N%"
meanwhile. DynamoDB Local and moto listen on 8001 and 8002 when free (``DYNAMODB_PORT``,
``MOTO_PORT``), else on any free port; the addresses are printed.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

from chalicelib.aws import clients
from chalicelib.config import get_settings
from chalicelib.records.tables import TABLES
from infra.load import load_tables
from infra.local.dynamodb_local import MissingTool
from infra.local.processes import port_or_free
from infra.local.stack import CACHE, ROOT, LocalStack
from infra.resources import provision


def _stop_on_signal(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main() -> None:
    # Explicit handlers: SIGTERM, and SIGINT even where the shell started us with it ignored.
    signal.signal(signal.SIGINT, _stop_on_signal)
    signal.signal(signal.SIGTERM, _stop_on_signal)
    api_port = int(os.environ.get("API_PORT", "8000"))
    stack = LocalStack(CACHE / "logs")
    try:
        print("starting the local AWS stack (DynamoDB Local, moto server)...")
        os.environ.update(stack.start_aws(port_or_free("DYNAMODB_PORT", 8001), port_or_free("MOTO_PORT", 8002)))
        clients.reset()
        for line in provision(get_settings(), clients.dynamodb(), clients.sqs(), clients.s3()):
            print(f"  {line}")
        stack.start_api(api_port)
        stack.start_posts_api(port_or_free("POSTS_API_PORT", 8003))
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
        print("\nstopping...")
    finally:
        stack.stop()


if __name__ == "__main__":
    main()
