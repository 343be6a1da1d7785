"""``/calculations``: create, list and fetch runs of the production kernel (seed 002)."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint

from chalicelib.api.contract import Answered, follow, operation
from chalicelib.api.models.calculations import (
    Calculation,
    CalculationRequest,
    Created,
    DetailQuery,
    Listing,
    ListingQuery,
)
from chalicelib.jobs import store
from chalicelib.jobs.listing import PAGE_SIZE, list_jobs
from chalicelib.jobs.model import FAILED
from chalicelib.jobs.submit import submit

bp = Blueprint(__name__)
KIND = "calculation"


@bp.route("/calculations", methods=["POST"])
@operation(
    bp,
    "Queue a calculation",
    {201: Created},
    body=CalculationRequest,
    errors=(503,),
    headers={201: {"Location": "The calculation: /calculations/{id}"}},
    links=follow("id", calculations_detail="calculation_id", jobs_get_job="job_id"),
)
def create(body: CalculationRequest) -> Answered:
    """Queue a calculation: ``{"date_start", "date_fin", "lag"[, "name"]}`` -> 201 ``{"id"}``."""
    job = submit(KIND, body.model_dump(mode="json", exclude={"name"}), body.name)
    return Answered(Created(id=job.id), 201, {"Location": f"/calculations/{job.id}"})


@bp.route("/calculations", methods=["GET"])
@operation(bp, "Calculations by launch time, 10 a page", {200: Listing}, query=ListingQuery)
def listing(query: ListingQuery) -> Listing:
    """10 a page, by launch time (``order=desc`` by default), ``page`` from 1."""
    found = list_jobs(KIND, page=query.page, ascending=query.order == "asc")
    return Listing.model_validate(
        {
            "items": found.items,
            "page": query.page,
            "per_page": PAGE_SIZE,
            "order": query.order,
            "has_more": found.has_more,
        }
    )


@bp.route("/calculations/{calculation_id}", methods=["GET"])
@operation(bp, "A calculation: status, and its rows once succeeded", {200: Calculation}, query=DetailQuery)
def detail(calculation_id: str, query: DetailQuery) -> Calculation:
    """Launch time, status and the result rows (``null`` until succeeded); ``fields=name,duration``."""
    job = store.get_job_of_kind(calculation_id, KIND)
    answer: dict[str, Any] = {
        "id": job.id,
        "launched_at": job.created_at,
        "status": job.status,
        "result": store.result_of(job),
    }
    if "name" in query.fields:
        answer["name"] = job.name
    if "duration" in query.fields:
        answer["duration"] = job.duration if job.finished_at else None
    if job.status == FAILED:
        answer["error"] = job.error
    return Calculation.model_validate(answer)
