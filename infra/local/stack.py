"""Start the local AWS stack and the service on it; used by ``make run``, the tests and the benchmarks.

The AWS side is one of two stacks, chosen by ``STACK``:
``embedded`` (the default):
  DynamoDB Local (Java)  -> AWS_ENDPOINT_URL_DYNAMODB
  moto server            -> AWS_ENDPOINT_URL_SQS, AWS_ENDPOINT_URL_S3
``localstack``: LocalStack 4.14.0 in host mode (``infra.localstack``) -> AWS_ENDPOINT_URL (and the
  three per-service variables, so a value left in the shell cannot point one service elsewhere)
The rest is the same on both:
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

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from infra.local import dynamodb_local
from infra.local.processes import ProcessGroup, require_free, wait_until
from infra.localstack import files as localstack_files
from infra.localstack import server as localstack_server

ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / ".cache"
BIN = Path(sys.executable).parent
STACKS = ("embedded", "localstack")


def stack_name() -> str:
    """``STACK`` (``embedded`` unless set); ValueError naming the choices for anything else."""
    name = os.environ.get("STACK") or "embedded"
    if name not in STACKS:
        raise ValueError(f"STACK={name!r} is not a local stack; choose one of {', '.join(STACKS)}")
    return name


def _answers(url: str) -> bool:
    """True once anything answers HTTP at ``url`` (an error status counts: the server is up)."""
    try:
        with urllib.request.urlopen(url, timeout=2):
            return True
    except urllib.error.HTTPError:
        return True


_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local"}
# LocalStack checks presigned S3 URLs against the secret key "test" (for any key IAM did not create).
_LOCALSTACK_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"}


def _lists_tables(url: str, region: str) -> bool:
    """True once LocalStack's DynamoDB at ``url`` answers ListTables (one try, short timeouts)."""
    client = boto3.client(
        "dynamodb",
        endpoint_url=url,
        region_name=region,
        config=Config(connect_timeout=2, read_timeout=30, retries={"max_attempts": 1}),
        aws_access_key_id=_LOCALSTACK_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=_LOCALSTACK_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
    )
    try:
        client.list_tables(Limit=1)
    except (BotoCoreError, ClientError):
        return False
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
        """The AWS side of ``STACK``; returns the environment variables that reach it. On LocalStack,
        its one gateway listens on ``dynamodb_port`` and ``moto_port`` is not used."""
        if stack_name() == "localstack":
            return self.start_localstack(dynamodb_port)
        return self.start_embedded(dynamodb_port, moto_port)

    def start_embedded(self, dynamodb_port: int, moto_port: int) -> dict[str, str]:
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
            **_CREDENTIALS,
            "AWS_DEFAULT_REGION": os.environ.get("AWS_DEFAULT_REGION", "us-east-1"),
            "PYTHONUNBUFFERED": "1",
        }
        return self.env

    def start_localstack(self, port: int) -> dict[str, str]:
        """LocalStack (DynamoDB, SQS, S3) on ``port``, ready once DynamoDB answers a ListTables (its
        DynamoDB Local starts on the first request); returns the environment variables that reach it."""
        require_free(port, "LOCALSTACK_PORT")
        lib = localstack_files.ensure_lib(CACHE)
        root = localstack_files.filesystem_root(self.log_dir, lib)
        url = f"http://127.0.0.1:{port}"
        process = self.group.start(
            "localstack",
            localstack_server.command(CACHE),
            env=localstack_server.environment(root, port),
            cwd=self.log_dir,
        )
        self.urls["localstack"] = url
        region = os.environ.get("AWS_DEFAULT_REGION", "us-east-1")
        wait_until(lambda: localstack_server.ready(url), "LocalStack", timeout=120, process=process)
        wait_until(lambda: _lists_tables(url, region), "LocalStack's DynamoDB", timeout=120, process=process)
        self.env = {
            **os.environ,
            **{f"AWS_ENDPOINT_URL{suffix}": url for suffix in ("", "_DYNAMODB", "_SQS", "_S3")},
            **_LOCALSTACK_CREDENTIALS,
            "AWS_DEFAULT_REGION": region,
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
