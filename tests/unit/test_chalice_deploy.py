"""What ``chalice deploy`` checks before it deploys (``chalice package`` does not check these).

One known blocker: POST /reports takes both multipart (binary for API Gateway) and JSON (text)
bodies, which Chalice's deploy refuses ("content_types must be consistent in their binary
support"); API Gateway's proxy integration itself handles the mix, and the CloudFormation path
deploys it. README.md ("Deploying") says so; this test fails once that changes, so the README
can be updated with it.
"""

from __future__ import annotations

import os

import pytest
from chalice.cli.factory import CLIFactory
from chalice.deploy import validate

from infra.stages import ROOT, STAGES

CHECKS = [
    validate.validate_minimum_compression_size,
    validate.validate_python_version,
    validate.validate_unique_function_names,
    validate.validate_endpoint_type,
    validate.validate_lambda_architecture,
    validate.validate_resource_policy,
    validate.validate_environment_variables_type,
]


@pytest.fixture(params=STAGES)
def config(request):
    # A copy of the environment: loading the app applies the stage's variables to it.
    factory = CLIFactory(str(ROOT), environ=dict(os.environ))
    return factory.create_config_obj(chalice_stage_name=request.param)


def test_the_stage_passes_chalice_deploys_checks(config):
    app = config.chalice_app
    validate.validate_routes(app.routes)
    validate.validate_sqs_configuration(app)
    validate.validate_feature_flags(app)
    for check in CHECKS:
        check(config)


def test_chalice_deploy_refuses_only_the_mixed_body_types_of_post_reports(config):
    app = config.chalice_app
    with pytest.raises(ValueError, match=r'view function "create".*multipart/form-data.*application/json'):
        validate.validate_route_content_types(app.routes, app.api.binary_types)
    without_reports = {path: methods for path, methods in app.routes.items() if path != "/reports"}
    validate.validate_route_content_types(without_reports, app.api.binary_types)
