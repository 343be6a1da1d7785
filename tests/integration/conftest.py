"""Integration tests: helpers for the real local stack. The stack itself is the session fixture
``service`` in ``tests/conftest.py``, shared with the browser tests (``tests/e2e``)."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests

from infra.local.fake_posts_api import FakePostsApi
from infra.local.processes import free_port
from infra.local.stack import ROOT, LocalStack

pytestmark = pytest.mark.integration
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


@pytest.fixture(scope="session")
def keyed_api(service: Service, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A second ``chalice local`` on the same stack (its tables, queues and worker) with LOCAL_API_KEY
    set: a service that asks for the key as the deployed stages do; its base URL."""
    stack = LocalStack(tmp_path_factory.mktemp("keyed-api-logs"))
    stack.env = {**service.env, "LOCAL_API_KEY": LOCAL_KEY}
    try:
        stack.start_api(free_port())
        yield stack.urls["api"]
    finally:
        stack.stop()
