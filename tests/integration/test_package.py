"""``chalice package`` turns the app and requirements.txt into a Lambda package for python3.11."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from infra.local.stack import ROOT

pytestmark = pytest.mark.integration
LAMBDA_UNZIPPED_LIMIT = 250 * 1024 * 1024


def test_the_package_fits_lambda_and_uses_linux_wheels(tmp_path: Path) -> None:
    chalice = Path(sys.executable).parent / "chalice"
    env = {**os.environ, "AWS_DEFAULT_REGION": "us-east-1"}
    done = subprocess.run(
        [str(chalice), "package", "--stage", "dev", str(tmp_path)], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr

    template = json.loads((tmp_path / "sam.json").read_text())
    functions = {
        name: resource["Properties"]
        for name, resource in template["Resources"].items()
        if resource["Type"] == "AWS::Serverless::Function"
    }
    assert {props["Handler"] for props in functions.values()} == {"app.app", "app.run_jobs", "app.fail_dead_jobs"}
    assert {props["Runtime"] for props in functions.values()} == {"python3.11"}

    with zipfile.ZipFile(tmp_path / "deployment.zip") as package:
        assert sum(info.file_size for info in package.infolist()) < LAMBDA_UNZIPPED_LIMIT
        for project in ("numpy-", "pydantic_core-"):
            wheel = next(name for name in package.namelist() if name.startswith(project) and name.endswith("/WHEEL"))
            assert "manylinux2014_x86_64" in package.read(wheel).decode(), project
        assert "chalicelib/jobs/kinds/metric.py" in package.namelist()
        # /docs serves Swagger UI from the package itself
        assert "chalicelib/web/vendor/swagger-ui/swagger-ui-bundle.js" in package.namelist()
