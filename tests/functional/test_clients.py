"""``clients.reset()``: after it, every AWS call goes to the endpoint set then. A process that
switches endpoints (the tests, ``make run``, the benchmarks) relies on it: a connection kept from
before would read and write another stack's tables."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from botocore.exceptions import EndpointConnectionError
from pynamodb.exceptions import PynamoDBConnectionError

from chalicelib.aws import clients, queue
from chalicelib.config import get_settings
from chalicelib.imports import items
from chalicelib.jobs.model import Job
from chalicelib.records.datasets import Dataset
from infra.local.processes import free_port

CALLS: dict[str, Callable[[], object]] = {
    "Job": lambda: Job.count(),
    "Dataset": lambda: Dataset.count(),
    "ImportItem": lambda: items.ImportItem.count(),
    "transactions": lambda: items.transactions().describe_table(get_settings().jobs_table),
    "queue_url": lambda: queue.queue_url(get_settings().queue("jobs")),
    "dynamodb": lambda: clients.dynamodb().describe_table(TableName=get_settings().jobs_table),
}


@pytest.mark.parametrize("name", CALLS)
def test_after_a_reset_every_call_goes_to_the_new_endpoint(
    aws: None, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each call works on moto; with the endpoints moved to a closed port and a reset, the same
    call fails to connect: nothing answered it from a connection or a lookup kept from before."""
    call = CALLS[name]
    call()
    nowhere = f"http://127.0.0.1:{free_port()}"
    for variable in ("AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL_SQS"):
        monkeypatch.setenv(variable, nowhere)
    clients.reset()
    with pytest.raises((PynamoDBConnectionError, EndpointConnectionError)):
        call()
    monkeypatch.undo()
    clients.reset()
