"""LocalStack 4.14.0 in host mode: its command line, its environment and its readiness check.

The CLI's ``localstack start --host`` refuses to start in 4.14.0 ("light install... only supports
running in docker"), so it runs its runtime module directly, from its own venv (Python >= 3.12,
built by ``make localstack`` from ``requirements.lock``).
"""

from __future__ import annotations

import json
import os
import urllib.request
from pathlib import Path

from infra.local.dynamodb_local import MissingTool

SERVICES = ("dynamodb", "sqs", "s3")
# Passed through from the caller's environment; everything else LocalStack reads is set here.
PASSED = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "DEBUG", "LS_LOG")


def python(cache: Path) -> Path:
    """The venv's interpreter, or MissingTool saying how to build the venv."""
    interpreter = cache / "localstack-venv" / "bin" / "python"
    if not interpreter.exists():
        raise MissingTool(
            f"LocalStack's venv ({interpreter.parent.parent}) is missing: `make localstack` builds it "
            "(Python >= 3.12, from infra/localstack/requirements.lock); `make test-localstack` and "
            "`STACK=localstack make run` build it themselves."
        )
    return interpreter


def command(cache: Path) -> list[str]:
    return [str(python(cache)), "-m", "localstack.runtime.main"]


def environment(root: Path, port: int) -> dict[str, str]:
    """LocalStack's settings: host mode, our folder, three services, in memory, offline, loopback only."""
    passed = {name: os.environ[name] for name in PASSED if name in os.environ}
    return {
        **passed,
        "OVERRIDE_IN_DOCKER": "0",  # the machine may carry /.dockerenv: we are not in a container
        "FILESYSTEM_ROOT": str(root),
        "SERVICES": ",".join(SERVICES),
        "DYNAMODB_IN_MEMORY": "1",
        "DISABLE_EVENTS": "1",  # no analytics sent
        "SKIP_SSL_CERT_DOWNLOAD": "1",
        "DNS_ADDRESS": "0",  # no DNS server of its own
        "GATEWAY_LISTEN": f"127.0.0.1:{port}",
        # Queue URLs name this address (http://127.0.0.1:PORT/queue/REGION/ACCOUNT/NAME), not
        # *.localhost.localstack.cloud, which needs a public DNS answer.
        "LOCALSTACK_HOST": f"127.0.0.1:{port}",
        "SQS_ENDPOINT_STRATEGY": "path",
        "S3_SKIP_SIGNATURE_VALIDATION": "0",
    }


def ready(url: str) -> bool:
    """True once ``/_localstack/health`` lists each of our services as available or running."""
    with urllib.request.urlopen(f"{url}/_localstack/health", timeout=2) as answer:
        services = json.load(answer).get("services", {})
    return all(services.get(name) in ("available", "running") for name in SERVICES)
