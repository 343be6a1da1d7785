"""The job service: its routes (blueprints) and its queue handlers. A table of contents, no logic."""

from __future__ import annotations

from typing import Any

from chalice.app import Chalice, SQSEvent

from chalicelib.api import calculations, docs, health, imports, jobs, logs, metric, reports
from chalicelib.config import get_settings
from chalicelib.jobs import worker

app = Chalice(app_name="jobsvc")
# Uploads arrive as multipart bodies: API Gateway must pass them through as binary.
app.api.binary_types.append("multipart/form-data")

app.register_blueprint(health.bp)
app.register_blueprint(logs.bp)
app.register_blueprint(metric.bp)
app.register_blueprint(jobs.bp)
app.register_blueprint(calculations.bp)
app.register_blueprint(reports.bp)
app.register_blueprint(imports.bp)
app.register_blueprint(docs.bp)


# One job per invocation: a batch would run its jobs one after another, and a long one could
# outlast the visibility timeout of the messages still waiting behind it.
@app.on_sqs_message(queue=get_settings().jobs_queue, batch_size=1)
def run_jobs(event: SQSEvent) -> dict[str, Any]:
    """Run each queued job; report the messages to retry (partial batch failure)."""
    return worker.handle_jobs(event)


@app.on_sqs_message(queue=get_settings().jobs_dlq, batch_size=10)
def fail_dead_jobs(event: SQSEvent) -> None:
    """Fail the jobs whose messages were dead-lettered."""
    worker.handle_dead_letters(event)
