"""``make package``: chalice package with the merged template, for python3.11, within Lambda's limits
(chalice deploy's direct upload included), without the runtime's own boto3/botocore, importable with
only the runtime's SDK beside it, valid for CloudFormation (SAM transform + cfn-lint, offline), with
the hand-written policies; vendor/ is what `make vendor` makes."""

from __future__ import annotations

import copy
import importlib.util
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from infra.cloudformation import problems
from infra.iam import policy_file_name
from infra.package import LAMBDA_DIRECT_UPLOAD_LIMIT, LAMBDA_UNZIPPED_LIMIT, RUNTIME_PROVIDED, Package, build
from infra.stages import CHALICE_DIR, CONFIG, stage
from infra.template import WORKER_EVENT, WORKER_RESOURCE
from infra.vendor import VENDOR, vendor

pytestmark = pytest.mark.integration
ROLES = {
    "APIHandler": "api_handler",
    "RunJobs": "run_jobs",
    "RunImports": "run_imports",
    "FailDeadJobs": "fail_dead_jobs",
    "SweepJobs": "sweep_jobs",
}


@pytest.fixture(scope="module", params=["dev", "prod"])
def package(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Package]:
    stage_name: str = request.param
    return stage_name, build(stage_name, tmp_path_factory.mktemp("package") / stage_name)


def template_of(package: tuple[str, Package]) -> dict[str, Any]:
    template: dict[str, Any] = json.loads(package[1].template.read_text())
    return template


def test_the_package_fits_lambda_and_uses_linux_wheels(package):
    _, built = package
    assert built.unzipped < LAMBDA_UNZIPPED_LIMIT
    assert built.zipped < LAMBDA_DIRECT_UPLOAD_LIMIT  # chalice deploy sends it in the request
    assert built.direct_upload_fits
    with zipfile.ZipFile(built.zip) as archive:
        for project in ("numpy-", "pydantic_core-"):
            wheel = next(name for name in archive.namelist() if name.startswith(project) and name.endswith("/WHEEL"))
            assert "manylinux2014_x86_64" in archive.read(wheel).decode(), project
        assert "chalicelib/jobs/kinds/metric.py" in archive.namelist()
        assert "chalicelib/web/static/index.html" in archive.namelist()  # the web page ships with the API
        # /docs serves Swagger UI from the package itself
        assert "chalicelib/web/vendor/swagger-ui/swagger-ui-bundle.js" in archive.namelist()
    functions = [
        r["Properties"] for r in template_of(package)["Resources"].values() if r["Type"] == "AWS::Serverless::Function"
    ]
    assert {props["Handler"] for props in functions} == {
        "app.app",
        "app.run_jobs",
        "app.run_imports",
        "app.fail_dead_jobs",
        "app.sweep_jobs",
    }
    assert {props["Runtime"] for props in functions} == {"python3.11"}


def test_the_package_carries_pynamodb_but_not_the_runtimes_sdk(package):
    _, built = package
    with zipfile.ZipFile(built.zip) as archive:
        names = set(archive.namelist())
    assert {"pynamodb/models.py", "pynamodb-6.1.0.dist-info/licenses/LICENSE"} <= names  # from vendor/
    assert {"numpy", "duckdb", "pynamodb", "chalice", "chalicelib", "app"} <= built.top_level
    assert "botocore" not in built.top_level
    assert "boto3" not in built.top_level
    assert built.runtime_copies == frozenset()


# Run by a bare python3.11 (-I -S: no site-packages) with Lambda's path: the unzipped package
# first, then only the AWS SDK the runtime provides. Every module of the app must import, and the
# app's own dependencies must come from the package.
IMPORT_CHECK = """
import importlib, pkgutil, sys
task, runtime = sys.argv[1:3]
sys.path[:0] = [task, runtime]
import app, chalicelib
for module in pkgutil.walk_packages(chalicelib.__path__, "chalicelib."):
    importlib.import_module(module.name)
import boto3, botocore, duckdb, numpy, pynamodb
from chalicelib.aws import clients
clients.dynamodb(), clients.sqs(), clients.s3()
assert duckdb.sql("select sum(x) from range(10) t(x)").fetchone() == (45,)
assert int(numpy.arange(10).sum()) == 45
for name in ("app", "chalice", "duckdb", "numpy", "pynamodb"):
    assert sys.modules[name].__file__.startswith(task), name
for name in ("boto3", "botocore"):
    assert sys.modules[name].__file__.startswith(runtime), name
print(sorted(app.app.routes)[:1], pynamodb.__version__, botocore.__version__)
"""


def runtime_sdk(into: Path) -> Path:
    """A directory holding only boto3 and its dependencies (this environment's), as Lambda's runtime does."""
    into.mkdir()
    for name in RUNTIME_PROVIDED:
        spec = importlib.util.find_spec(name)
        assert spec is not None, name
        assert spec.origin is not None, name
        source = Path(spec.origin)
        source = source.parent if source.name == "__init__.py" else source
        (into / source.name).symlink_to(source)
    return into


def test_the_packaged_app_imports_with_only_the_runtimes_sdk_beside_it(package, tmp_path):
    stage_name, built = package
    task = tmp_path / "task"
    with zipfile.ZipFile(built.zip) as archive:
        archive.extractall(task)
    variables = json.loads(CONFIG.read_text())["stages"][stage_name]["environment_variables"]
    env = {"PATH": os.environ["PATH"], "AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1", **variables}
    command = [sys.executable, "-I", "-S", "-c", IMPORT_CHECK, str(task), str(runtime_sdk(tmp_path / "runtime"))]
    done = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def test_the_merged_template_is_valid_cloudformation(package):
    assert problems(template_of(package)) == []


def test_the_check_catches_a_broken_template(package):
    broken = copy.deepcopy(template_of(package))
    broken["Resources"]["JobsQueue"]["Properties"]["VisibilityTimeout"] = 50_000  # above SQS's 12 hours
    event = broken["Resources"][WORKER_RESOURCE]["Properties"]["Events"][WORKER_EVENT]["Properties"]
    event["FunctionResponseTypes"] = ["ReportEverything"]
    found = " ".join(problems(broken))
    assert "50000" in found
    assert "ReportEverything" in found


def test_the_worker_takes_one_job_at_a_time_and_reports_partial_failures(package):
    stage_name, _ = package
    event = template_of(package)["Resources"][WORKER_RESOURCE]["Properties"]["Events"][WORKER_EVENT]["Properties"]
    assert event["Queue"] == {
        "Fn::Sub": f"arn:${{AWS::Partition}}:sqs:${{AWS::Region}}:${{AWS::AccountId}}:jobsvc-{stage_name}-jobs"
    }
    assert event["BatchSize"] == 1
    assert event["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert event["ScalingConfig"]["MaximumConcurrency"] >= 2


def test_each_function_has_its_own_role_with_the_hand_written_policy(package):
    stage_name, _ = package
    resources = template_of(package)["Resources"]
    assert "DefaultRole" not in resources
    for function, name in ROLES.items():
        role = resources[function]["Properties"]["Role"]["Fn::GetAtt"][0]
        [policy] = resources[role]["Properties"]["Policies"]
        written = json.loads((CHALICE_DIR / policy_file_name(stage_name, name)).read_text())
        assert policy["PolicyDocument"] == written


def test_every_route_but_the_page_docs_and_health_needs_the_api_key(package):
    paths = template_of(package)["Resources"]["RestAPI"]["Properties"]["DefinitionBody"]["paths"]
    open_routes = {"get /", "get /static/{name}", "get /docs", "get /docs/{asset}", "get /openapi.json", "get /health"}
    checked = set()
    for path, methods in paths.items():
        for method, operation in methods.items():
            if method == "options":
                continue
            checked.add(f"{method} {path}")
            assert bool(operation.get("security")) is (f"{method} {path}" not in open_routes), f"{method} {path}"
    assert open_routes < checked
    assert {"get /jobs/{job_id}", "get /logs", "post /launch"} < checked


def test_the_functions_get_the_sizes_the_timing_checks_read(package):
    # tests/unit/test_template.py compares the worker's timeout with the queue's visibility timeout,
    # and tests/unit/test_lanes.py each event source's concurrency with its function's reservation,
    # as infra.stages reads .chalice/config.json: Chalice must read the same numbers.
    stage_name, _ = package
    resources = template_of(package)["Resources"]
    for function, name in ROLES.items():
        expected = stage(stage_name).functions[name]
        props = resources[function]["Properties"]
        assert (props["Timeout"], props["MemorySize"]) == (expected.timeout, expected.memory_mb), name
        assert props.get("ReservedConcurrentExecutions") == expected.reserved_concurrency, name
    assert resources["RunImports"]["Properties"]["ReservedConcurrentExecutions"] == 2
    assert "ReservedConcurrentExecutions" not in resources["APIHandler"]["Properties"]  # the API takes the rest


def test_imports_have_their_own_queue_and_worker(package):
    stage_name, _ = package
    resources = template_of(package)["Resources"]
    event = resources["RunImports"]["Properties"]["Events"]["RunImportsSqsEventSource"]["Properties"]
    assert event["Queue"] == {
        "Fn::Sub": f"arn:${{AWS::Partition}}:sqs:${{AWS::Region}}:${{AWS::AccountId}}:jobsvc-{stage_name}-imports"
    }
    assert (event["BatchSize"], event["ScalingConfig"]["MaximumConcurrency"]) == (1, 2)
    assert event["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert resources["ImportsQueue"]["Properties"]["QueueName"] == f"jobsvc-{stage_name}-imports"


def test_make_vendor_rebuilds_vendor_as_committed(tmp_path):
    # vendor/ is what `make vendor` makes from the pin, byte for byte (tests/unit/test_vendor.py
    # compares it with the installed PynamoDB).
    rebuilt = tmp_path / "vendor"
    vendor(rebuilt)

    def files(root: Path) -> dict[str, bytes]:
        return {
            path.relative_to(root).as_posix(): path.read_bytes()
            for path in root.rglob("*")
            if path.is_file() and "__pycache__" not in path.parts
        }

    assert files(rebuilt) == files(VENDOR)
