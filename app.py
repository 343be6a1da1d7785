"""The job service: its routes (blueprints) and its queue handlers. A table of contents, no logic."""

from __future__ import annotations

from typing import Any

from chalice.app import Chalice, CloudWatchEvent, Rate, SQSEvent

from chalicelib.access import require_api_key
from chalicelib.api import calculations, docs, health, imports, jobs, logs, metric, reports, web
from chalicelib.config import get_settings
from chalicelib.jobs import sweeper, worker
from chalicelib.telemetry.http import trace_requests
from chalicelib.telemetry.logs import configure_json_logs, invocation

configure_json_logs()  # JSON log lines, with the job and the request id (chalicelib/telemetry)

# Invocations at once per queue handler; each function reserves as much (.chalice/config.json,
# reserved_concurrency), so a flood of API requests cannot take them.
JOBS_MAX_CONCURRENCY = 20
# Imports send at most POSTS_PER_SECOND rows a second across the deployment: a third at once would
# only wait on the rate limiter.
IMPORTS_MAX_CONCURRENCY = 2
DEAD_LETTERS_MAX_CONCURRENCY = 2  # the lowest Lambda allows; dead letters are rare and quick

app = Chalice(app_name="jobsvc")
# Uploads arrive as multipart bodies: API Gateway must pass them through as binary.
app.api.binary_types.append("multipart/form-data")

trace_requests(app)  # each request's lines carry its request id and the job it names
app.register_blueprint(health.bp)
app.register_blueprint(logs.bp)
app.register_blueprint(metric.bp)
app.register_blueprint(jobs.bp)
app.register_blueprint(calculations.bp)
app.register_blueprint(reports.bp)
app.register_blueprint(imports.bp)
app.register_blueprint(web.bp)  # the page for people: GET / and its files
app.register_blueprint(docs.bp)  # GET /openapi.json and its viewer, GET /docs
# After every blueprint: each route but the page, the docs and /health needs the API key where the
# stage asks for it (API Gateway checks it), or where LOCAL_API_KEY is set (the app checks it).
require_api_key(app, get_settings().api_key_required)


# One job per invocation: a batch would run its jobs one after another, and a long one could
# outlast the visibility timeout of the messages still waiting behind it. One lane per queue
# (JobKind.lane), each with its own handler and concurrency (docs/ARCHITECTURE.md, "Deployment").
@app.on_sqs_message(queue=get_settings().jobs_queue, batch_size=1, maximum_concurrency=JOBS_MAX_CONCURRENCY)
@invocation  # each invocation's lines carry Lambda's request id
def run_jobs(event: SQSEvent) -> dict[str, Any]:
    """Run each queued job (metric, calculations, reports); report the messages to retry."""
    return worker.handle_jobs(event, event.context)


@app.on_sqs_message(queue=get_settings().imports_queue, batch_size=1, maximum_concurrency=IMPORTS_MAX_CONCURRENCY)
@invocation
def run_imports(event: SQSEvent) -> dict[str, Any]:
    """Run each queued import, apart from the other jobs: imports mostly wait on the rate limit."""
    return worker.handle_jobs(event, event.context)


@app.on_sqs_message(queue=get_settings().jobs_dlq, batch_size=10, maximum_concurrency=DEAD_LETTERS_MAX_CONCURRENCY)
@invocation
def fail_dead_jobs(event: SQSEvent) -> dict[str, Any]:
    """Fail the jobs whose messages were dead-lettered; report the dead letters to retry."""
    return worker.handle_dead_letters(event)


# Lost messages: a job written but never queued, or whose message expired, would stay open forever.
@app.schedule(Rate(get_settings().sweep_minutes, unit=Rate.MINUTES))
@invocation
def sweep_jobs(event: CloudWatchEvent) -> dict[str, Any]:
    """Send again the message of each job overdue in queued or running; fail it after a few tries."""
    return sweeper.handle_schedule(event.context)
