"""The chaos run's private local stack: the fault-injecting proxies between the app and AWS.

    API (chalice local), runner ──> ChaosProxy dynamodb ──> DynamoDB Local
                                ──> ChaosProxy sqs ─────┐
                                ──> ChaosProxy s3 ──────┴─> moto server
    runner ──> FakePostsApi (late or dropped answers)

The API's and the runner's ``AWS_ENDPOINT_URL_*`` name the proxies; the harness's own reads (and the
provisioning) go straight to DynamoDB Local and moto, so what it counts is never faulted. Free
ports, never 8000; process logs in ``.cache/chaos-logs/``. Nothing here changes this process's
environment, so it can run inside pytest.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3

from bench.chaos.plan import Plan
from bench.stack import free_ports
from chalicelib.config import Settings, settings_from
from infra.local import wire
from infra.local.chaos_proxy import ChaosProxy
from infra.local.fake_posts_api import FakePostsApi
from infra.local.faults import FaultRates
from infra.local.stack import CACHE, LocalStack
from infra.resources import provision

LOG_DIR = CACHE / "chaos-logs"
ENDPOINTS: dict[wire.Service, str] = {
    "dynamodb": "AWS_ENDPOINT_URL_DYNAMODB",
    "sqs": "AWS_ENDPOINT_URL_SQS",
    "s3": "AWS_ENDPOINT_URL_S3",
}


@dataclass
class ChaosStack:
    """The running stack: the API's URL, the proxies, the posts API, and direct clients for the checks."""

    api: str
    proxies: dict[wire.Service, ChaosProxy]
    posts: FakePostsApi
    settings: Settings
    direct_env: dict[str, str]
    log_dir: Path

    def _client(self, service: wire.Service) -> Any:
        make: Any = boto3.client
        return make(
            service,
            endpoint_url=self.direct_env[ENDPOINTS[service]],
            region_name=self.settings.region,
            aws_access_key_id="local",
            aws_secret_access_key="local",
        )

    def dynamodb(self) -> Any:
        """A client straight to DynamoDB Local (no faults)."""
        return self._client("dynamodb")


@contextmanager
def chaos_stack(plan: Plan, log_dir: Path = LOG_DIR) -> Iterator[ChaosStack]:
    """Start everything, yield it, stop everything (whatever happens inside)."""
    stack = LocalStack(log_dir)
    dynamodb_port, moto_port, api_port = free_ports(3)
    with ExitStack() as cleanup:
        cleanup.callback(stack.stop)
        posts = FakePostsApi(
            latency=0.05, hang=plan.hang, late_rate=plan.late_rate, drop_rate=plan.drop_rate, seed=plan.seed
        )
        cleanup.enter_context(posts)
        env = stack.start_aws(dynamodb_port, moto_port)
        env.update(
            JOBS_VISIBILITY_TIMEOUT=str(plan.visibility),
            JOBS_MAX_RECEIVE_COUNT=str(plan.max_receives),
            IMPORT_SLICE_SECONDS=str(plan.slice_seconds),
            LOCAL_SCHEDULE_SECONDS=str(plan.schedule_seconds),
            SWEEP_GRACE_SECONDS=str(plan.sweep_grace),
            POSTS_API_URL=posts.url,
            LAMBDA_KILL_RATE=str(plan.kill_rate),
            LAMBDA_KILL_SEED=str(plan.seed),
        )
        direct = dict(env)
        settings = settings_from(direct)
        chaos = ChaosStack("", {}, posts, settings, direct, log_dir)
        provision(settings, chaos._client("dynamodb"), chaos._client("sqs"), chaos._client("s3"))
        rates = FaultRates.split(plan.aws_rate)
        for number, (service, variable) in enumerate(ENDPOINTS.items()):
            proxy = cleanup.enter_context(ChaosProxy(service, direct[variable], rates, seed=plan.seed + number))
            chaos.proxies[service] = proxy
            env[variable] = proxy.url  # env is the stack's: the API and the runner get the proxies
        cleanup.callback(stack.stop)  # the processes stop first, while the proxies still answer
        stack.start_api(api_port)
        stack.start_worker(concurrency=plan.workers)
        chaos.api = stack.urls["api"]
        print(
            f"chaos stack up: api {chaos.api}; proxies "
            + ", ".join(f"{name} {proxy.url} -> {direct[ENDPOINTS[name]]}" for name, proxy in chaos.proxies.items())
            + f"; posts API {posts.url}; logs in {log_dir}/",
            flush=True,
        )
        yield chaos
