"""The real local stack for the integration and browser tests (``tests/integration``, ``tests/e2e``):
starting it with a small generated data set loaded, the ``Service`` the tests see, and helpers for
talking to it. The session fixture ``service`` in ``tests/conftest.py`` starts it once, when first
asked for."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import requests

from infra import sales_data
from infra.local.fake_posts_api import FakePostsApi
from infra.local.processes import free_port
from infra.local.stack import ROOT, LocalStack

SALES_ROWS = 1500
LOCAL_KEY = "local-test-key-5d1e"  # what the keyed API (``keyed_api``) asks for


@dataclass
class Service:
    api: str
    env: dict[str, str]
    data: tuple[Path, Path]
    load_output: str
    posts_api: FakePostsApi
    log_dir: Path | None = None  # the stack's log files (api.log, worker.log, ...)

    def _session(self) -> boto3.Session:
        return boto3.Session(
            aws_access_key_id="local", aws_secret_access_key="local", region_name=self.env["AWS_DEFAULT_REGION"]
        )

    def dynamodb(self) -> Any:
        return self._session().client("dynamodb", endpoint_url=self.env["AWS_ENDPOINT_URL_DYNAMODB"])

    def sqs(self) -> Any:
        return self._session().client("sqs", endpoint_url=self.env["AWS_ENDPOINT_URL_SQS"])


@contextmanager
def running_service(logs: Path, data_dir: Path) -> Iterator[Service]:
    """The real local stack (DynamoDB Local, moto server, chalice local, the Lambda runner, a fake
    posts API) on free ports, its logs in ``logs``, with a small generated data set (written to
    ``data_dir``) loaded through the loader's command; stopped on exit."""
    stack = LocalStack(logs)
    posts_api = FakePostsApi(latency=0.05).start()
    try:
        env = stack.start_aws(free_port(), free_port())
        # Short visibility and two receives, so the dead-letter path runs in seconds.
        env.update(JOBS_VISIBILITY_TIMEOUT="2", JOBS_MAX_RECEIVE_COUNT="2", POSTS_API_URL=posts_api.url)
        run_module("infra.provision", env)
        data = sales_data.generate(data_dir, sales_rows=SALES_ROWS, seed=11)
        # Several threads writing at once: the loader's parallel path, against DynamoDB Local (the
        # functional tests load with one thread: moto's in-process backend is not thread safe).
        load_output = run_module(
            "infra.load", env, "--data", str(data[0].parent), "--threads", "4", "--chunk-rows", "100"
        )
        stack.start_api(free_port())
        stack.start_worker()
        yield Service(stack.urls["api"], env, data, load_output, posts_api, stack.log_dir)
    finally:
        stack.stop()
        posts_api.stop()


def until_finished(url: str, timeout: float = 60) -> dict[str, Any]:
    """GET ``url`` until its ``status`` is succeeded or failed; the last answer."""
    deadline = time.monotonic() + timeout
    answer: dict[str, Any] = {}
    while time.monotonic() < deadline:
        answer = requests.get(url, timeout=10).json()
        if answer["status"] in ("succeeded", "failed"):
            return answer
        time.sleep(0.05)
    raise AssertionError(f"{url} unfinished after {timeout} s: {answer}")


def run_module(module: str, env: dict[str, str], *args: str) -> str:
    done = subprocess.run([sys.executable, "-m", module, *args], env=env, cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, f"{module} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout
