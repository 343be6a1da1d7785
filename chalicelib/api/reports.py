"""``/reports``: play-count totals of a CSV file (seed 004), small files in the request, any size via S3.

small:  POST /reports (multipart, field ``file``, at most 5 MB)        -> 202 {"id"}
large:  POST /reports/uploads {"size"} -> a presigned PUT; PUT the file there;
        POST /reports {"upload_id"}                                     -> 202 {"id"}
then:   GET /reports/{id} -> status, counts, first bad rows, and ``result_url`` once done
"""

from __future__ import annotations

import uuid
from typing import Any

from chalice.app import Blueprint, Response

from chalicelib.api.errors import api_errors
from chalicelib.api.multipart import uploaded_file
from chalicelib.api.params import json_object
from chalicelib.aws import files
from chalicelib.errors import InvalidInput, TooLarge
from chalicelib.jobs import store
from chalicelib.jobs.kinds.report import result_key, upload_key
from chalicelib.jobs.model import SUCCEEDED
from chalicelib.jobs.submit import submit
from chalicelib.reports.aggregate import BadFile, check_header

bp = Blueprint(__name__)
KIND = "report"
MAX_DIRECT_BYTES = 5 * 1024 * 1024  # API Gateway takes 10 MB, Lambda 6 MB: bigger files go through S3
MAX_UPLOAD_BYTES = 5 * 1024**3  # one presigned PUT
RESULT_FIELDS = ("rows_in", "rows_invalid", "pairs", "errors")


@bp.route("/reports", methods=["POST"], content_types=["multipart/form-data", "application/json"])
@api_errors
def create() -> Response:
    request = bp.current_request
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        raw = request.raw_body
        upload_id, filename = _store_small_upload(raw if isinstance(raw, bytes) else raw.encode(), content_type)
    else:
        upload_id, filename = _uploaded(json_object(request))
    job = submit(KIND, {"upload_id": upload_id, "filename": filename})
    return Response(
        body={"id": job.id, "status": job.status}, status_code=202, headers={"Location": f"/reports/{job.id}"}
    )


@bp.route("/reports/uploads", methods=["POST"])
@api_errors
def new_upload() -> Response:
    """A presigned PUT for a file of ``size`` bytes (up to 5 GB), then ``POST /reports {"upload_id"}``."""
    body = json_object(bp.current_request)
    unknown = sorted(set(body) - {"size", "filename"})
    if unknown:
        raise InvalidInput(unknown[0], "unknown field; allowed: size, filename")
    size = body.get("size")
    if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= MAX_UPLOAD_BYTES:
        raise InvalidInput("size", f"{size!r} is not a byte count from 1 to {MAX_UPLOAD_BYTES:,}")
    upload_id = uuid.uuid4().hex
    headers = {"Content-Length": str(size), "Content-Type": "text/csv"}
    return Response(
        body={
            "upload_id": upload_id,
            "url": files.upload_url(upload_key(upload_id), size),
            "method": "PUT",
            "headers": headers,
            "expires_in": files.URL_SECONDS,
            "max_bytes": MAX_UPLOAD_BYTES,
        },
        status_code=201,
    )


@bp.route("/reports/{report_id}", methods=["GET"])
@api_errors
def detail(report_id: str) -> dict[str, Any]:
    job = store.get_job_of_kind(report_id, KIND, "report")
    result = store.result_of(job) or {}
    answer: dict[str, Any] = {**job.status_view(), "result_url": None}
    answer.update({field: result.get(field) for field in RESULT_FIELDS})
    if job.status == SUCCEEDED:
        stem = str(job.params["filename"]).rsplit(".", 1)[0]
        answer["result_url"] = files.download_url(result_key(job.params["upload_id"]), f"{stem}.totals.csv")
    return answer


def _store_small_upload(body: bytes, content_type: str) -> tuple[str, str]:
    if len(body) > MAX_DIRECT_BYTES:
        raise TooLarge(
            f"file: {len(body):,} bytes is over {MAX_DIRECT_BYTES:,}; upload larger files through POST /reports/uploads"
        )
    upload = uploaded_file(body, content_type)
    try:
        check_header(upload.content[:4096])
    except BadFile as exc:
        raise InvalidInput("file", str(exc)) from None
    upload_id = uuid.uuid4().hex
    files.put_bytes(upload_key(upload_id), upload.content)
    return upload_id, upload.filename


def _uploaded(body: dict[str, Any]) -> tuple[str, str]:
    unknown = sorted(set(body) - {"upload_id", "filename"})
    if unknown:
        raise InvalidInput(unknown[0], "unknown field; allowed: upload_id, filename (or send a multipart file)")
    upload_id = body.get("upload_id")
    if not isinstance(upload_id, str) or not upload_id:
        raise InvalidInput("upload_id", "is required (from POST /reports/uploads), or send the file as multipart")
    if files.size_of(upload_key(upload_id)) is None:
        raise InvalidInput("upload_id", f"nothing was uploaded for {upload_id!r}; PUT the file to its URL first")
    return upload_id, str(body.get("filename", "plays.csv"))
