"""The deployment stages as ``.chalice/config.json`` declares them: settings, functions, sizes.

One reader of the Chalice config for the IAM policies, the CloudFormation template and the
tests, so the names they use are the ones the deployed Lambdas will compute themselves.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chalicelib.config import Settings, settings_from

ROOT = Path(__file__).resolve().parents[1]
CHALICE_DIR = ROOT / ".chalice"
CONFIG = CHALICE_DIR / "config.json"
STAGES = ("local", "dev", "prod")
# Chalice's names for the Lambda functions: the API's handler, then the SQS and scheduled handlers
# in app.py.
API = "api_handler"
FUNCTIONS = (API, "run_jobs", "run_imports", "fail_dead_jobs", "sweep_jobs")


def _config() -> dict[str, Any]:
    config: dict[str, Any] = json.loads(CONFIG.read_text())
    return config


@dataclass(frozen=True)
class Function:
    """One Lambda function of one stage, with the sizes Chalice will give it. ``reserved_concurrency``:
    the executions the account keeps for it alone, and its most at once (None: it shares the rest)."""

    name: str
    stage: str
    lambda_name: str  # the deployed function's name (its log group is /aws/lambda/<lambda_name>)
    timeout: int
    memory_mb: int
    policy_file: str | None
    reserved_concurrency: int | None = None


@dataclass(frozen=True)
class Stage:
    name: str
    settings: Settings
    functions: dict[str, Function]


def stage(name: str) -> Stage:
    """A stage: its settings (from its environment variables) and its functions' configuration."""
    config = _config()
    stage_config = config["stages"][name]
    environ = {**config.get("environment_variables", {}), **stage_config.get("environment_variables", {})}
    app_name = config["app_name"]
    functions = {}
    chained = ("lambda_", "iam_", "reserved_")  # the keys Chalice looks up function > stage > top level
    for function in FUNCTIONS:
        merged = {key: value for key, value in config.items() if key.startswith(chained)} | config.get(
            "lambda_functions", {}
        ).get(function, {})
        merged |= {key: value for key, value in stage_config.items() if key.startswith(chained)}
        merged |= stage_config.get("lambda_functions", {}).get(function, {})
        functions[function] = Function(
            name=function,
            stage=name,
            lambda_name=f"{app_name}-{name}" if function == API else f"{app_name}-{name}-{function}",
            timeout=int(merged.get("lambda_timeout", 60)),
            memory_mb=int(merged.get("lambda_memory_size", 128)),
            policy_file=merged.get("iam_policy_file"),
            reserved_concurrency=None
            if merged.get("reserved_concurrency") is None
            else int(merged["reserved_concurrency"]),
        )
    return Stage(name=name, settings=settings_from(environ), functions=functions)
