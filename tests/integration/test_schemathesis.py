"""Schemathesis against the local stack: requests generated from the OpenAPI document (valid ones,
and ones it rules out) get no 5xx, no answer that breaks the document, a 4xx for what it rules out;
followed along the document's links (POST then GET by id); and every job they queued succeeds.
They go to the stack's API started with LOCAL_API_KEY, with the key: each route the document says
needs it must refuse a request without it, or with another (schemathesis's ``ignored_auth``).

Bounded for 2 cores: 50 examples an operation, 10 for the POSTs (each accepted one queues a job),
and 30 short runs along the links.
"""

from __future__ import annotations

import time
from typing import Any

import hypothesis
import pytest
import requests
import schemathesis
from schemathesis.specs.openapi.checks import positive_data_acceptance

from app import app
from chalicelib.api.openapi import document
from chalicelib.config import get_settings
from tests.stack import LOCAL_KEY, Service

pytestmark = pytest.mark.integration

# Rules that JSON Schema cannot state (date_start <= date_fin, at most 50,000 rows, a real calendar
# date; a file's header, text encoding and size; an upload_id whose file was uploaded; a cursor
# this API gave out): there a request the document allows may still rightly get a 4xx, so "valid
# data is accepted" is not checked; "the status is one the document lists" still is.
BEYOND_THE_SCHEMA = {
    ("GET", "/jobs"),
    ("POST", "/calculations"),
    ("GET", "/logs"),
    ("POST", "/reports"),
    ("POST", "/reports/from-upload"),
    ("POST", "/imports"),
}
CONFIG: dict[str, Any] = {
    "seed": 20261122,
    "generation": {"max-examples": 50, "database": "none"},
    # chalice local stalls on kept-alive connections (DESIGN.md): a fresh one per request, time to spare.
    "headers": {"Connection": "close"},
    # The key, where the document's security scheme says (a request that leaves it out on purpose must get a 403).
    "auth": {"openapi": {"apiKey": {"api_key": LOCAL_KEY}}},
    "request-timeout": 30,
    # TRACE never reaches the app: chalice local's HTTP server answers 501 itself (API Gateway: 403).
    "phases": {"coverage": {"unexpected-methods": ["GET", "POST", "PUT", "DELETE", "PATCH"]}},
    # Each accepted POST queues a job for the two local workers: fewer of those.
    "operations": [{"include-method": "POST", "generation": {"max-examples": 10}}],
}
# The document /openapi.json serves (a functional test checks they are the same), loaded at
# collection so that each operation is a test of its own.
schema = schemathesis.openapi.from_dict(document(app), config=schemathesis.Config.from_dict(CONFIG))


@pytest.fixture(scope="module")
def jobs_before(service: Service) -> set[str]:
    return job_ids(service)


@schema.parametrize()
def test_each_operation_keeps_the_document(case: schemathesis.Case[Any], keyed_api: str, jobs_before: set[str]) -> None:
    case.call_and_validate(base_url=keyed_api, excluded_checks=excluded(case))


def test_following_the_links_keeps_the_document(keyed_api: str, jobs_before: set[str]) -> None:
    class Machine(schema.as_state_machine()):  # type: ignore[misc]
        def get_call_kwargs(self, case: schemathesis.Case[Any]) -> dict[str, Any]:
            return {"base_url": keyed_api, "headers": {"Connection": "close"}, "timeout": 30}

        def validate_response(self, response: Any, case: schemathesis.Case[Any], **kwargs: Any) -> None:
            case.validate_response(response, excluded_checks=excluded(case), transport_kwargs=kwargs)

    Machine.run(
        settings=hypothesis.settings(
            max_examples=30, stateful_step_count=6, deadline=None, database=None, derandomize=True
        )
    )


def test_every_job_the_generated_requests_queued_succeeded(service: Service, jobs_before: set[str]) -> None:
    queued = job_ids(service) - jobs_before
    assert queued, "the generated requests queued no job at all"
    deadline = time.monotonic() + 120
    records: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        records = [requests.get(f"{service.api}/jobs/{job_id}", timeout=10).json() for job_id in sorted(queued)]
        if all(record["status"] in ("succeeded", "failed") for record in records):
            break
        time.sleep(1)
    assert [
        (record["kind"], record["params"], record.get("error")) for record in records if record["status"] != "succeeded"
    ] == []


def excluded(case: schemathesis.Case[Any]) -> list[Any]:
    return [positive_data_acceptance] if (case.method.upper(), case.path) in BEYOND_THE_SCHEMA else []


def job_ids(service: Service) -> set[str]:
    """Every job id in the jobs table (the test's own look behind the API)."""
    scan = service.dynamodb().get_paginator("scan")
    pages = scan.paginate(TableName=get_settings().jobs_table, ProjectionExpression="id")
    return {item["id"]["S"] for page in pages for item in page["Items"]}
