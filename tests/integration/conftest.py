"""Integration tests: fixtures on the real local stack. The stack itself is the session fixture
``service`` in ``tests/conftest.py`` (started by ``tests/stack.py``), shared with the browser tests
(``tests/e2e``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from infra.local.processes import free_port
from infra.local.stack import LocalStack
from tests.stack import LOCAL_KEY, Service

pytestmark = pytest.mark.integration


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
