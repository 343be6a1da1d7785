"""A private local stack for the benchmarks: DynamoDB Local, moto, the API and the worker, on free ports.

It never takes port 8000 (``make run``'s API), so a running development stack is left alone, and it
is always stopped, whatever happens inside the ``with`` block. Process logs go to
``.cache/bench-logs/``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from chalicelib.aws import clients
from chalicelib.config import get_settings
from infra.local.processes import free_port
from infra.local.stack import CACHE, LocalStack
from infra.resources import provision

LOG_DIR = CACHE / "bench-logs"
RESERVED_PORTS = frozenset({8000})


def free_ports(count: int) -> list[int]:
    """``count`` distinct free ports, none of them reserved."""
    ports: list[int] = []
    while len(ports) < count:
        port = free_port()
        if port not in RESERVED_PORTS and port not in ports:
            ports.append(port)
    return ports


@contextmanager
def local_stack() -> Iterator[LocalStack]:
    """Start the stack, point this process at it, provision the resources; stop it all on exit."""
    stack = LocalStack(LOG_DIR)
    dynamodb_port, moto_port, api_port = free_ports(3)
    try:
        os.environ.update(stack.start_aws(dynamodb_port, moto_port))
        clients.reset()
        provision(get_settings(), clients.dynamodb(), clients.sqs(), clients.s3())
        stack.start_api(api_port)
        stack.start_worker()
        print(f"local stack up: api {stack.urls['api']}, logs in {LOG_DIR}/")
        yield stack
    finally:
        stack.stop()
        print("local stack stopped")
