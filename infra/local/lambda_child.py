"""One Lambda execution environment: imports the app once, then runs invocations until told to stop.

Started by ``infra.local.lambda_environment`` with one end of a socket pair (``--fd``). It answers
``("ready", init_seconds)`` once the handler's module is imported (Lambda's init phase), then for
each ``(request_id, event, deadline_ms)`` it receives, calls the handler with a context that counts
down to that deadline and answers ``("ok", result)`` or ``("error", summary, traceback)``. An error
keeps the environment, as on Lambda; a timeout, a memory overrun or a kill is the parent's to
decide, by killing this process.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
import time
import traceback
from multiprocessing.connection import Connection

from infra.local.lambda_context import LambdaContext


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--fd", type=int, required=True)
    parser.add_argument("--function", required=True)
    parser.add_argument("--handler", required=True, help="module.attribute")
    parser.add_argument("--memory", type=int, required=True, help="MB, for the context")
    args = parser.parse_args()
    logging.basicConfig(
        level=logging.INFO,
        format=f"%(asctime)s {args.function}[{os.getpid()}] %(name)s %(levelname)s %(message)s",
    )
    logging.getLogger("botocore").setLevel(logging.WARNING)
    connection = Connection(args.fd)
    sys.path.insert(0, os.getcwd())  # the project folder, as /var/task is on Lambda
    started = time.perf_counter()
    try:
        module, _, name = args.handler.rpartition(".")
        handler = getattr(importlib.import_module(module), name)
    except BaseException:
        connection.send(("init_error", traceback.format_exc()))
        return 1
    connection.send(("ready", time.perf_counter() - started))
    while True:
        try:
            request_id, event, deadline_ms = connection.recv()
        except EOFError:  # the runner has gone
            return 0
        context = LambdaContext(args.function, deadline_ms, args.memory, request_id)
        try:
            connection.send(("ok", handler(event, context)))
        except Exception as exc:
            connection.send(("error", f"{type(exc).__name__}: {exc}", traceback.format_exc()))


if __name__ == "__main__":
    sys.exit(main())
