"""What the local Lambda runner knows of each function: its handler, timeout, memory and concurrency.

The facts come from where the deployment takes them: the handler and ``maximum_concurrency`` from
the app's event sources (``app.event_sources``), the timeout and memory size from
``.chalice/config.json`` (function settings over stage settings over top-level ones, as Chalice
reads them), and the stage's environment variables, which Lambda sets before the app is imported.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chalice.app import Chalice, ScheduledEventConfig, SQSEventConfig

# Chalice's own defaults when the config names no timeout or memory size.
DEFAULT_TIMEOUT_SECONDS = 60
DEFAULT_MEMORY_MB = 128
# An SQS event source mapping without a maximum starts five concurrent batches and scales up from there.
SQS_DEFAULT_CONCURRENCY = 5


@dataclass(frozen=True)
class Function:
    """One Lambda function as the runner invokes it."""

    name: str
    handler: str  # "module.attribute", imported in each execution environment
    timeout_seconds: float
    memory_mb: int
    project_dir: Path
    environment: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class QueueSource:
    """An SQS event source mapping: the queue, its batch size and how many batches run at once."""

    function: Function
    queue: str
    batch_size: int
    concurrency: int


@dataclass(frozen=True)
class Schedule:
    """An EventBridge schedule that invokes ``function`` (``rate(...)`` or ``cron(...)``)."""

    function: Function
    expression: str


def _chalice_config(project_dir: Path) -> dict[str, Any]:
    path = project_dir / ".chalice" / "config.json"
    return dict(json.loads(path.read_text())) if path.exists() else {}


def function_settings(project_dir: Path, stage: str, name: str) -> tuple[float, int, dict[str, str]]:
    """``name``'s timeout (s), memory size (MB) and environment in ``stage``, as Chalice resolves them."""
    config = _chalice_config(project_dir)
    stage_config = config.get("stages", {}).get(stage, {})
    function_config = stage_config.get("lambda_functions", {}).get(name, {})
    layers = (config, stage_config, function_config)

    def pick(key: str, default: Any) -> Any:
        for layer in reversed(layers):
            if key in layer:
                return layer[key]
        return default

    environment: dict[str, str] = {}
    for layer in layers:
        environment.update(layer.get("environment_variables", {}))
    return (
        float(pick("lambda_timeout", DEFAULT_TIMEOUT_SECONDS)),
        int(pick("lambda_memory_size", DEFAULT_MEMORY_MB)),
        environment,
    )


def _function(app_config_name: str, handler: str, project_dir: Path, stage: str) -> Function:
    timeout, memory, environment = function_settings(project_dir, stage, app_config_name)
    return Function(app_config_name, handler, timeout, memory, project_dir, environment)


def queue_sources(app: Chalice, project_dir: Path, stage: str, cap: int | None = None) -> list[QueueSource]:
    """The app's SQS handlers; each runs at most ``maximum_concurrency`` (and at most ``cap``) batches at once."""
    sources = []
    for config in app.event_sources:
        if isinstance(config, SQSEventConfig) and config.queue:
            wanted = config.maximum_concurrency or SQS_DEFAULT_CONCURRENCY
            concurrency = max(1, min(wanted, cap) if cap else wanted)
            function = _function(config.name, config.handler_string, project_dir, stage)
            sources.append(QueueSource(function, config.queue, config.batch_size, concurrency))
    return sources


def schedules(app: Chalice, project_dir: Path, stage: str) -> list[Schedule]:
    """The app's ``@app.schedule`` handlers and their expressions."""
    found = []
    for config in app.event_sources:
        if isinstance(config, ScheduledEventConfig):
            expression = config.schedule_expression
            text = expression if isinstance(expression, str) else expression.to_string()
            found.append(Schedule(_function(config.name, config.handler_string, project_dir, stage), text))
    return found
