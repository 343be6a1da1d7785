"""Integration tests: helpers for the real local stack. The stack itself is the session fixture
``service`` in ``tests/conftest.py``, shared with the browser tests (``tests/e2e``)."""

from __future__ import annotations

import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests

from infra.local.fake_posts_api import FakePostsApi
from infra.local.stack import ROOT

pytestmark = pytest.mark.integration
SALES_ROWS = 1500


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
