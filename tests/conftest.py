"""Test-wide settings (fake credentials and one region, set before the app is imported), and the
local stack that the integration and browser tests share (started once, when first asked for)."""

from __future__ import annotations

import os

os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
os.environ.setdefault("STAGE", "local")

from collections.abc import Iterator

import pytest
from hypothesis import settings

from infra import sales_data
from infra.local.fake_posts_api import FakePostsApi
from infra.local.processes import free_port
from infra.local.stack import LocalStack
from tests.integration.conftest import SALES_ROWS, Service, run_module

# Hypothesis fails an example slower than 200 ms by default: a timing check that fails on a busy
# machine. Speed is measured by the benchmarks (bench/), not asserted by tests.
settings.register_profile("no-deadline", deadline=None)
settings.load_profile("no-deadline")


@pytest.fixture(scope="session")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """The real local stack (DynamoDB Local, moto server, chalice local, the Lambda runner, a fake
    posts API) on free ports, with a small generated data set loaded through the loader's command."""
    stack = LocalStack(tmp_path_factory.mktemp("stack-logs"))
    posts_api = FakePostsApi(latency=0.05).start()
    try:
        env = stack.start_aws(free_port(), free_port())
        # Short visibility and two receives, so the dead-letter path runs in seconds.
        env.update(JOBS_VISIBILITY_TIMEOUT="2", JOBS_MAX_RECEIVE_COUNT="2", POSTS_API_URL=posts_api.url)
        run_module("infra.provision", env)
        data = sales_data.generate(tmp_path_factory.mktemp("data"), sales_rows=SALES_ROWS, seed=11)
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
