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

from tests.stack import Service, running_service

# Hypothesis fails an example slower than 200 ms by default: a timing check that fails on a busy
# machine. Speed is measured by the benchmarks (bench/), not asserted by tests.
settings.register_profile("no-deadline", deadline=None)
settings.load_profile("no-deadline")


@pytest.fixture(scope="session")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """The real local stack with a small data set loaded (``tests/stack.py``), started once for the
    integration and browser tests, when first asked for."""
    with running_service(tmp_path_factory.mktemp("stack-logs"), tmp_path_factory.mktemp("data")) as service:
        yield service
