"""Each API request as a unit of work in the logs: its request id and the job it names.

The request id is the one the caller sees in ``x-amzn-RequestId``: API Gateway's on AWS
(``requestContext.requestId``), the Lambda context's under ``chalice local``. The job is the
route's id parameter (every ``{..._id}`` of this API names a job); a request that creates a job
binds its id when the record is written (``chalicelib.jobs.submit``). One line per request
records its method, route, status and time taken.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from chalice.app import Chalice, Request, Response

from chalicelib.telemetry import logs

log = logging.getLogger(__name__)
JOB_PARAMETERS = ("job_id", "calculation_id", "report_id", "import_id")


def request_id_of(request: Request) -> str | None:
    """API Gateway's request id, else the Lambda context's (``chalice local`` sets only that one)."""
    request_id = (request.context or {}).get("requestId")
    if not request_id and request.lambda_context is not None:
        request_id = getattr(request.lambda_context, "aws_request_id", None)
    return str(request_id) if request_id else None


def job_id_of(request: Request) -> str | None:
    params = request.uri_params or {}
    return next((str(params[name]) for name in JOB_PARAMETERS if params.get(name)), None)


def trace_requests(app: Chalice) -> None:
    """Run every HTTP request of ``app`` in a ``logs.scope`` and log how it ended."""

    @app.middleware("http")
    def traced(request: Request, get_response: Callable[[Request], Response]) -> Response:
        with logs.scope(request_id=request_id_of(request), job_id=job_id_of(request)):
            started = time.perf_counter()
            response = get_response(request)
            route = (request.context or {}).get("resourcePath", request.path)
            milliseconds = (time.perf_counter() - started) * 1000
            log.info("%s %s %s %.0f ms", request.method, route, response.status_code, milliseconds)
            return response
