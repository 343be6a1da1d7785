"""``POST /launch`` and ``GET /get_result``: the metric job (seed 001)."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint, Response

from chalicelib.api.errors import api_errors
from chalicelib.api.params import json_object, query_params, required
from chalicelib.jobs import store
from chalicelib.jobs.submit import submit

bp = Blueprint(__name__)


@bp.route("/launch", methods=["POST"])
@api_errors
def launch() -> Response:
    """Queue ``calculate_metric``; the body may carry a ``name``."""
    body = json_object(bp.current_request)
    name = body.pop("name", None)
    job = submit("metric", body, name)
    return Response(
        body={"job_id": job.id, "status": job.status},
        status_code=202,
        headers={"Location": f"/get_result?job_id={job.id}"},
    )


@bp.route("/get_result", methods=["GET"])
@api_errors
def get_result() -> dict[str, Any]:
    job_id = required(query_params(bp.current_request, ("job_id",)), "job_id")
    job = store.get_job(job_id)
    answer: dict[str, Any] = {"job_id": job.id, "status": job.status, "result": store.result_of(job)}
    if job.error and job.status == "failed":
        answer["error"] = job.error
    return answer
