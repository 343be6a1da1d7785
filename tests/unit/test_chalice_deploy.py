"""What ``chalice deploy`` checks before it deploys (``chalice package`` does not check these).

Among them: a route's content types must all be binary for API Gateway or all text ("content_types
must be consistent in their binary support"): why a report from an upload has its own route
(``POST /reports/from-upload``, JSON) beside ``POST /reports`` (multipart).
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


def test_every_route_has_content_types_chalice_deploy_accepts(config):
    app = config.chalice_app
    validate.validate_route_content_types(app.routes, app.api.binary_types)
