"""``GET /jobs/{id}``: any job's record, whatever its kind."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint

from chalicelib.api.contract import operation
from chalicelib.api.errors import api_errors
from chalicelib.api.models.jobs import JobRecord
from chalicelib.jobs import store

bp = Blueprint(__name__)


@bp.route("/jobs/{job_id}", methods=["GET"])
@api_errors
@operation(bp, "Any job's record, whatever its kind", {200: JobRecord})
def get_job(job_id: str) -> dict[str, Any]:
    return store.get_job(job_id).to_public()
