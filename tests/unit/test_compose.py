"""docker-compose.yml: valid for Docker Compose itself (its ``config`` parses without an engine), and
the same LocalStack as host mode runs (``make test-localstack``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from infra.stages import ROOT

COMPOSE = Path(sys.executable).parent / "docker-compose"


def compose_config(**env: str) -> dict[str, Any]:
    done = subprocess.run(
        [str(COMPOSE), "-f", str(ROOT / "docker-compose.yml"), "config", "--format", "json"],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    config: dict[str, Any] = json.loads(done.stdout)
    return config


@pytest.fixture(scope="module")
def localstack() -> dict[str, Any]:
    service: dict[str, Any] = compose_config(LOCALSTACK_AUTH_TOKEN="token-from-the-shell")["services"]["localstack"]
    return service


def test_localstack_is_pinned_to_a_version(localstack):
    image, _, tag = localstack["image"].partition(":")
    assert image == "localstack/localstack"
    assert tag
    assert tag != "latest"
    assert tag[0].isdigit()


def test_docker_runs_the_localstack_version_host_mode_is_tested_with(localstack):
    lock = (ROOT / "infra" / "localstack" / "requirements.lock").read_text().splitlines()
    [pin] = [line for line in lock if line.startswith("localstack-core==")]
    assert localstack["image"] == f"localstack/localstack:{pin.removeprefix('localstack-core==')}"


def test_the_auth_token_comes_from_the_users_shell(localstack):
    assert localstack["environment"]["LOCALSTACK_AUTH_TOKEN"] == "token-from-the-shell"


def test_the_edge_port_is_4566_on_loopback_only(localstack):
    [port] = localstack["ports"]
    assert (port["target"], str(port["published"]), port["host_ip"]) == (4566, "4566", "127.0.0.1")


def test_lambdas_can_start_within_the_limits_aws_has(localstack):
    assert any(volume["target"] == "/var/run/docker.sock" for volume in localstack["volumes"])
    # The zip fits chalice deploy's 50 MiB direct upload (tests/integration/test_package.py):
    # LocalStack keeps AWS's limits, so a zip that grows past them fails here as it would there.
    assert not {name for name in localstack["environment"] if name.startswith("LAMBDA_LIMITS_")}
