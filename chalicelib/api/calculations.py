"""``/calculations``: create, list and fetch runs of the production kernel (seed 002)."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint, Response

from chalicelib.api.errors import api_errors
from chalicelib.api.params import json_object, query_params
from chalicelib.errors import InvalidInput
from chalicelib.jobs import store
from chalicelib.jobs.listing import PAGE_SIZE, list_jobs
from chalicelib.jobs.model import FAILED
from chalicelib.jobs.submit import submit

bp = Blueprint(__name__)
KIND = "calculation"
OPTIONAL_FIELDS = ("name", "duration")
MAX_PAGE = 1_000  # 10,000 calculations deep: a page costs a count over the entries before it


@bp.route("/calculations", methods=["POST"])
@api_errors
def create() -> Response:
    """Queue a calculation: ``{"date_start", "date_fin", "lag"[, "name"]}`` -> 201 ``{"id"}``."""
    body = json_object(bp.current_request)
    name = body.pop("name", None)
    job = submit(KIND, body, name)
    return Response(body={"id": job.id}, status_code=201, headers={"Location": f"/calculations/{job.id}"})


@bp.route("/calculations", methods=["GET"])
@api_errors
def listing() -> dict[str, Any]:
    """10 a page, by launch time (``order=desc`` by default), ``page`` from 1."""
    params = query_params(bp.current_request, ("order", "page"))
    order = params.get("order", "desc")
    if order not in ("asc", "desc"):
        raise InvalidInput("order", f"{order!r} is not asc or desc")
    page = _page_number(params.get("page", "1"))
    found = list_jobs(KIND, page=page, ascending=order == "asc")
    return {"items": found.items, "page": page, "per_page": PAGE_SIZE, "order": order, "has_more": found.has_more}


@bp.route("/calculations/{calculation_id}", methods=["GET"])
@api_errors
def detail(calculation_id: str) -> dict[str, Any]:
    """Launch time, status and the result rows (``null`` until succeeded); ``fields=name,duration``."""
    fields = _fields(query_params(bp.current_request, ("fields",)).get("fields"))
    job = store.get_job_of_kind(calculation_id, KIND, "calculation")
    answer: dict[str, Any] = {
        "id": job.id,
        "launched_at": job.created_at,
        "status": job.status,
        "result": store.result_of(job),
    }
    if "name" in fields:
        answer["name"] = job.name
    if "duration" in fields:
        answer["duration"] = job.duration if job.finished_at else None
    if job.status == FAILED:
        answer["error"] = job.error
    return answer


def _page_number(raw: str) -> int:
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE:
        raise InvalidInput("page", f"{raw!r} is not a whole number from 1 to {MAX_PAGE:,}")
    return int(raw)


def _fields(raw: str | None) -> set[str]:
    if raw is None:
        return set()
    fields = {field.strip() for field in raw.split(",") if field.strip()}
    unknown = sorted(fields - set(OPTIONAL_FIELDS))
    if unknown:
        raise InvalidInput("fields", f"unknown field {unknown[0]!r}; allowed: {', '.join(OPTIONAL_FIELDS)}")
    return fields
