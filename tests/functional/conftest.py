"""Functional tests: the app in-process against moto's ``mock_aws`` (no servers)."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from chalice.test import Client
from moto import mock_aws

from app import app
from chalicelib.aws import clients
from chalicelib.config import get_settings
from chalicelib.records import loader
from chalicelib.records.loader import load_csv
from chalicelib.records.tables import SALES, SALES_DETAIL
from infra import sales_data
from infra.resources import provision
from tests.functional.delivery import Queues

ENDPOINT_VARIABLES = ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL_SQS", "AWS_ENDPOINT_URL_S3")


@contextmanager
def mocked_aws() -> Iterator[None]:
    """A fresh mocked AWS with the service's resources provisioned."""
    with pytest.MonkeyPatch.context() as patch:
        for variable in ENDPOINT_VARIABLES:
            patch.delenv(variable, raising=False)
        with mock_aws():
            clients.reset()
            provision(get_settings(), clients.dynamodb(), clients.sqs(), clients.s3())
            yield
        clients.reset()


class _OneThread(ThreadPoolExecutor):
    """The loader's pool in functional tests: moto's in-process backend is not thread safe, and
    parallel ``BatchWriteItem`` calls into it lose writes now and then (a flaky test)."""

    def __init__(self, max_workers: int | None = None, *args: Any, **kwargs: Any) -> None:
        if max_workers != 1:
            raise AssertionError(f"load with threads=1 against moto in-process, not {max_workers}")
        super().__init__(max_workers, *args, **kwargs)


@pytest.fixture(scope="session", autouse=True)
def one_loader_thread() -> Iterator[None]:
    """Every functional test loads with one thread (the threaded path runs against DynamoDB Local)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(loader, "ThreadPoolExecutor", _OneThread)
        yield


@pytest.fixture
def aws() -> Iterator[None]:
    with mocked_aws():
        yield


@pytest.fixture
def queues(aws: None) -> Queues:
    return Queues()


@pytest.fixture
def client(aws: None) -> Iterator[Client]:
    with Client(app, stage_name="local") as test_client:
        yield test_client


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path]]:
    """Both tables loaded from a small generated data set, shared by a module's read-only tests."""
    with mocked_aws():
        files = sales_data.generate(tmp_path_factory.mktemp("data"), sales_rows=400, seed=7)
        load_csv(SALES, files[0], threads=1, chunk_rows=50)
        load_csv(SALES_DETAIL, files[1], threads=1, chunk_rows=50)
        yield files


@pytest.fixture
def loaded_client(loaded: tuple[Path, Path]) -> Iterator[Client]:
    with Client(app, stage_name="local") as test_client:
        yield test_client
