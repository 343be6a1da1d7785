"""Start the local AWS stack and the service on it; used by ``make run``, the tests and the benchmarks.

DynamoDB Local (Java)  -> AWS_ENDPOINT_URL_DYNAMODB
moto server            -> AWS_ENDPOINT_URL_SQS, AWS_ENDPOINT_URL_S3
chalice local          -> the HTTP API
infra.local.lambda_runner -> the SQS and scheduled handlers, in execution environments as Lambda runs them
infra.local.fake_posts_api -> POSTS_API_URL, the third-party API that imports send rows to
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from infra.local import dynamodb_local
from infra.local.processes import ProcessGroup, require_free, wait_until

ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / ".cache"
BIN = Path(sys.executable).parent


def _answers(url: str) -> bool:
    """True once anything answers HTTP at ``url`` (an error status counts: the server is up)."""
    try:
        with urllib.request.urlopen(url, timeout=2):
            return True
    except urllib.error.HTTPError:
        return True


@dataclass
class LocalStack:
    """The processes of one local stack and the environment that points code at them."""

    log_dir: Path
    group: ProcessGroup = field(init=False)
    env: dict[str, str] = field(default_factory=dict)
    urls: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.group = ProcessGroup(self.log_dir)

    def start_aws(self, dynamodb_port: int, moto_port: int) -> dict[str, str]:
        """DynamoDB Local and moto server; returns the environment variables that reach them."""
        require_free(dynamodb_port, "DYNAMODB_PORT")
        require_free(moto_port, "MOTO_PORT")
        folder = dynamodb_local.ensure_installed(CACHE)
        dynamodb = self.group.start("dynamodb-local", dynamodb_local.command(folder, dynamodb_port), cwd=self.log_dir)
        moto = self.group.start("moto-server", [str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(moto_port)])
        self.urls["dynamodb"] = f"http://127.0.0.1:{dynamodb_port}"
        self.urls["sqs+s3 (moto)"] = f"http://127.0.0.1:{moto_port}"
        wait_until(lambda: _answers(self.urls["dynamodb"]), "DynamoDB Local", process=dynamodb)
        wait_until(lambda: _answers(f"http://127.0.0.1:{moto_port}/moto-api/"), "moto server", process=moto)
        self.env = {
            **os.environ,
            "AWS_ENDPOINT_URL_DYNAMODB": self.urls["dynamodb"],
            "AWS_ENDPOINT_URL_SQS": f"http://127.0.0.1:{moto_port}",
            "AWS_ENDPOINT_URL_S3": f"http://127.0.0.1:{moto_port}",
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            "AWS_DEFAULT_REGION": os.environ.get("AWS_DEFAULT_REGION", "us-east-1"),
            "PYTHONUNBUFFERED": "1",
        }
        return self.env

    def start_api(self, port: int) -> None:
        """The Chalice app over real HTTP (``chalice local``, stage ``local``)."""
        require_free(port, "API_PORT")  # else an old API's answer would pass for this one's
        api = self.group.start(
            "api",
            [
                str(BIN / "chalice"),
                "local",
                "--stage",
                "local",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--no-autoreload",
            ],
            env=self.env,
            cwd=ROOT,
        )
        self.urls["api"] = f"http://127.0.0.1:{port}"
        wait_until(lambda: _answers(f"{self.urls['api']}/health"), "the API (chalice local)", process=api)

    def start_posts_api(self, port: int, latency: float = 0.1) -> None:
        """The local fake of the third-party posts API, unless ``POSTS_API_URL`` already names one."""
        if self.env.get("POSTS_API_URL"):
            self.urls["posts API"] = self.env["POSTS_API_URL"]
            return
        url = f"http://127.0.0.1:{port}"
        fake = self.group.start(
            "fake-posts-api",
            [sys.executable, "-m", "infra.local.fake_posts_api", "--port", str(port), "--latency", str(latency)],
            env=self.env,
            cwd=ROOT,
        )
        wait_until(lambda: _answers(f"{url}/_stats"), "the fake posts API", process=fake)
        self.env["POSTS_API_URL"] = self.urls["posts API (fake)"] = url

    def start_worker(self, concurrency: int | None = None) -> None:
        """The local Lambda runner for the app's SQS and scheduled handlers: at most ``concurrency``
        environments per function (default ``LOCAL_MAX_CONCURRENCY``, else 2, for a laptop)."""
        cap = concurrency or int(self.env.get("LOCAL_MAX_CONCURRENCY") or 2)
        self.group.start(
            "worker",
            [sys.executable, "-m", "infra.local.lambda_runner", "--max-concurrency", str(cap)],
            env=self.env,
            cwd=ROOT,
        )

    def stop(self) -> None:
        self.group.stop()
