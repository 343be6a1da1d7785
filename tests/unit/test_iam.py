"""The IAM policies: current, complete for the code's AWS calls, and no wider than the code."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from infra.iam import GRANTS, policy_file_name, render
from infra.stages import CHALICE_DIR, CONFIG, FUNCTIONS, STAGES, stage
from tests.aws_calls import actions_of, closure

# Actions the Lambda service itself uses with the function's role, not the code.
SERVICE_SIDE = {"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"}
# Each function's code: the modules its entry point reaches through imports (an upper bound).
ENTRIES = {
    "api_handler": [f"chalicelib.api.{path.stem}" for path in (CHALICE_DIR.parent / "chalicelib/api").glob("*.py")],
    "run_jobs": ["chalicelib.jobs.worker"],
    "run_imports": ["chalicelib.jobs.worker"],
    "fail_dead_jobs": ["chalicelib.jobs.worker"],
    "sweep_jobs": ["chalicelib.jobs.sweeper"],
}


def granted(function: str) -> set[str]:
    return {action for grant in GRANTS[function] for action in grant.actions}


def statements(stage_name: str, function: str) -> list[dict[str, Any]]:
    document = json.loads((CHALICE_DIR / policy_file_name(stage_name, function)).read_text())
    result: list[dict[str, Any]] = document["Statement"]
    return result


@pytest.mark.parametrize("stage_name", STAGES)
@pytest.mark.parametrize("function", FUNCTIONS)
def test_each_function_deploys_with_its_current_policy_file(stage_name, function):
    # GIVEN the committed policy file; WHEN rendered again from infra/iam.py; THEN nothing changed
    # (run `make policies` after changing a grant) and Chalice is told to use that file.
    assert (CHALICE_DIR / policy_file_name(stage_name, function)).read_text() == render(stage_name, function)
    assert stage(stage_name).functions[function].policy_file == policy_file_name(stage_name, function)


def test_chalice_does_not_generate_policies():
    assert json.loads(CONFIG.read_text())["autogen_policy"] is False


def test_every_aws_call_the_lambda_code_makes_is_granted_and_every_grant_is_used():
    # The code of all the functions is what app.py imports.
    needed = actions_of(closure("app"))
    every_grant = set().union(*(granted(function) for function in FUNCTIONS))
    assert needed - every_grant == set(), "calls without a grant: the deployed function would get AccessDenied"
    assert every_grant - SERVICE_SIDE - needed == set(), "grants no call uses: remove them"


@pytest.mark.parametrize("function", FUNCTIONS)
def test_no_function_is_granted_what_its_code_cannot_call(function):
    reachable = actions_of(closure(*ENTRIES[function]))
    assert granted(function) - SERVICE_SIDE <= reachable


def test_only_the_queue_consumers_may_read_their_queues():
    consumers = {function for function in FUNCTIONS if granted(function) >= SERVICE_SIDE}
    assert consumers == {"run_jobs", "run_imports", "fail_dead_jobs"}
    # The API reads the queues' depths for /health (GetQueueAttributes), but never takes a message.
    assert not {"sqs:ReceiveMessage", "sqs:DeleteMessage"} & granted("api_handler")


def _stage_names(stage_name: str) -> set[str]:
    """Every resource name a stage's Lambdas may use, as its settings compute them."""
    current = stage(stage_name)
    s = current.settings
    tables = {s.jobs_table, s.datasets_table, s.limits_table, s.import_rows_table}
    tables |= {s.records_table(name) for name in ("sales", "sales_detail")}
    return tables | {*s.job_queues, s.jobs_dlq, s.bucket} | {f.lambda_name for f in current.functions.values()}


@pytest.mark.parametrize("stage_name", STAGES)
def test_policies_name_only_the_stages_own_resources(stage_name):
    names = _stage_names(stage_name)
    resource_name = re.compile(
        r"arn:aws:(?:dynamodb:\*:\*:table/(?P<table>[^/]+)(?:/index/[\w-]+)?"
        r"|s3:::(?P<bucket>[^/]+)(?:/(?:uploads|imports|results)/\*)?"
        r"|sqs:\*:\*:(?P<queue>[^:]+)"
        r"|logs:\*:\*:log-group:/aws/lambda/(?P<function>[^:]+):\*)"
    )
    for function in FUNCTIONS:
        for statement in statements(stage_name, function):
            assert "*" not in statement["Action"]
            for arn in statement["Resource"]:
                match = resource_name.fullmatch(arn)
                assert match, f"{function}: {arn} is not a resource of the service"
                assert {value for value in match.groupdict().values() if value} <= names, arn


def test_stages_keep_to_their_own_names():
    dev = json.dumps([statements("dev", function) for function in FUNCTIONS])
    prod = json.dumps([statements("prod", function) for function in FUNCTIONS])
    assert "jobsvc-prod" not in dev
    assert "jobsvc-dev" not in prod


def test_the_api_may_write_uploads_but_not_results_and_the_worker_the_reverse():
    def objects(function: str, action: str) -> set[str]:
        return {
            arn
            for statement in statements("prod", function)
            if action in statement["Action"]
            for arn in statement["Resource"]
            if arn.startswith("arn:aws:s3:::") and "/" in arn
        }

    bucket = "arn:aws:s3:::jobsvc-prod-files"
    assert objects("api_handler", "s3:PutObject") == {f"{bucket}/uploads/*", f"{bucket}/imports/*"}
    assert objects("run_jobs", "s3:PutObject") == {f"{bucket}/results/*"}
    assert objects("fail_dead_jobs", "s3:GetObject") == set()
