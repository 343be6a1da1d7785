"""``POST /launch`` and ``GET /get_result``: the metric job (seed 001)."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint

from chalicelib.api.contract import Answered, follow, operation
from chalicelib.api.models.metric import Launched, LaunchRequest, MetricResult, ResultQuery
from chalicelib.errors import NotFound
from chalicelib.jobs import store
from chalicelib.jobs.model import FAILED
from chalicelib.jobs.submit import submit

bp = Blueprint(__name__)
KIND = "metric"


@bp.route("/launch", methods=["POST"])
@operation(
    bp,
    "Queue calculate_metric",
    {202: Launched},
    body=LaunchRequest,
    body_required=False,
    errors=(503,),
    headers={202: {"Location": "Where to follow the job: /get_result?job_id=..."}},
    links=follow("job_id", metric_get_result="job_id", jobs_get_job="job_id"),
)
def launch(body: LaunchRequest) -> Answered:
    """Queue ``calculate_metric``; the body may carry a ``name``."""
    job = submit(KIND, {}, body.name)
    return Answered(
        Launched.model_validate({"job_id": job.id, "status": job.status}),
        202,
        {"Location": f"/get_result?job_id={job.id}"},
    )


@bp.route("/get_result", methods=["GET"])
@operation(bp, "A metric job's status and result", {200: MetricResult}, query=ResultQuery, errors=(404,))
def get_result(query: ResultQuery) -> MetricResult:
    job = store.get_job(query.job_id)
    if job.kind != KIND:
        raise NotFound(f"job_id: {query.job_id!r} is not a metric job (see /jobs/{{id}})")
    answer: dict[str, Any] = {"job_id": job.id, "status": job.status, "result": store.result_of(job)}
    if job.error and job.status == FAILED:
        answer["error"] = job.error
    return MetricResult.model_validate(answer)
