"""``/jobs``: every job, newest first (``GET /jobs``), and any job's record (``GET /jobs/{id}``)."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint

from chalicelib.api.contract import operation
from chalicelib.api.errors import api_errors
from chalicelib.api.models.jobs import JobList, JobQuery, JobRecord
from chalicelib.jobs import listing, store

bp = Blueprint(__name__)


@bp.route("/jobs/{job_id}", methods=["GET"])
@api_errors
@operation(bp, "Any job's record, whatever its kind", {200: JobRecord})
def get_job(job_id: str) -> dict[str, Any]:
    return store.get_job(job_id).to_public()


@bp.route("/jobs", methods=["GET"])
@api_errors
@operation(bp, "Every job, newest first: filters and cursor paging", {200: JobList}, query=JobQuery)
def list_jobs(query: JobQuery) -> dict[str, Any]:
    """Every kind, newest first (by ``created_at``); ``kind``, ``status``, ``since`` (inclusive) and
    ``until`` (exclusive) filter; ``limit`` 1..200 (50); ``cursor``: the previous page's
    ``next_cursor``, null on the last page. Served from an index, never a Scan."""
    found = listing.list_all(query.job_filter(), limit=query.limit, after=query.cursor)
    return {"items": found.items, "next_cursor": found.next_cursor}
