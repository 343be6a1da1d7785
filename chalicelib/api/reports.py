"""``/reports``: play-count totals of a CSV file (seed 004), small files in the request, any size via S3.

small:  POST /reports (multipart, field ``file``, at most 5 MB)        -> 202 {"id"}
large:  POST /reports/uploads {"size"} -> a presigned PUT; PUT the file there;
        POST /reports/from-upload {"upload_id"}                         -> 202 {"id"}
Two routes, not one taking both bodies: API Gateway passes multipart bodies as binary and JSON as
text, and ``chalice deploy`` refuses a route whose content types differ in that.
then:   GET /reports/{id} -> status, counts, first bad rows, and ``result_url`` once done
"""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint

from chalicelib.api.contract import Answered, accepted, follow, operation
from chalicelib.api.models.common import Accepted
from chalicelib.api.models.reports import (
    MAX_UPLOAD_BYTES,
    Report,
    ReportFromUpload,
    UploadRequest,
    UploadTicket,
)
from chalicelib.api.multipart import MAX_BYTES, request_file
from chalicelib.aws import files
from chalicelib.errors import InvalidInput
from chalicelib.ids import new_id
from chalicelib.jobs import store
from chalicelib.jobs.kinds.report import result_key, upload_key
from chalicelib.jobs.model import SUCCEEDED
from chalicelib.jobs.submit import submit
from chalicelib.reports.csvfile import BadFile, check_header

bp = Blueprint(__name__)
KIND = "report"
RESULT_FIELDS = ("rows_in", "rows_invalid", "pairs", "errors")


@bp.route("/reports", methods=["POST"], content_types=["multipart/form-data"])
@operation(
    bp,
    "Queue a report of a CSV file sent in the request",
    {202: Accepted},
    upload=f"A Song,Date,Number of Plays CSV of at most {MAX_BYTES:,} bytes",
    errors=(413, 415, 503),
    headers={202: {"Location": "The report: /reports/{id}"}},
    links=follow("id", reports_detail="report_id", jobs_get_job="job_id"),
)
def create() -> Answered:
    upload = request_file(bp.current_request, "; upload larger files through POST /reports/uploads")
    try:
        check_header(upload.content[:4096])
    except BadFile as exc:
        raise InvalidInput("file", str(exc)) from None
    upload_id = new_id()
    files.put_bytes(upload_key(upload_id), upload.content)
    return _queued(upload_id, upload.filename)


@bp.route("/reports/from-upload", methods=["POST"])
@operation(
    bp,
    "Queue a report of a file uploaded through POST /reports/uploads",
    {202: Accepted},
    body=ReportFromUpload,
    errors=(503,),
    headers={202: {"Location": "The report: /reports/{id}"}},
    links=follow("id", reports_detail="report_id", jobs_get_job="job_id"),
)
def from_upload(body: ReportFromUpload) -> Answered:
    if files.size_of(upload_key(body.upload_id)) is None:
        raise InvalidInput("upload_id", f"nothing was uploaded for {body.upload_id!r}; PUT the file to its URL first")
    return _queued(body.upload_id, body.filename)


def _queued(upload_id: str, filename: str) -> Answered:
    job = submit(KIND, {"upload_id": upload_id, "filename": filename})
    return accepted(job, f"/reports/{job.id}")


@bp.route("/reports/uploads", methods=["POST"])
@operation(
    bp, "A presigned PUT for a file too large for a request (to 1.5 GB)", {201: UploadTicket}, body=UploadRequest
)
def new_upload(body: UploadRequest) -> Answered:
    """A presigned PUT for a file of ``size`` bytes (up to 1.5 GB), then ``POST /reports/from-upload {"upload_id"}``."""
    upload_id = new_id()
    headers = {"Content-Length": str(body.size), "Content-Type": "text/csv"}
    ticket = UploadTicket(
        upload_id=upload_id,
        url=files.upload_url(upload_key(upload_id), body.size),
        method="PUT",
        headers=headers,
        expires_in=files.URL_SECONDS,
        max_bytes=MAX_UPLOAD_BYTES,
    )
    return Answered(ticket, 201)


@bp.route("/reports/{report_id}", methods=["GET"])
@operation(bp, "A report: status, counts, first bad rows, and the totals' URL once done", {200: Report})
def detail(report_id: str) -> Report:
    job = store.get_job_of_kind(report_id, KIND)
    result = store.result_of(job) or {}
    answer: dict[str, Any] = {field: result.get(field) for field in RESULT_FIELDS}
    answer["result_url"] = None
    if job.status == SUCCEEDED:
        stem = str(job.params["filename"]).rsplit(".", 1)[0]
        answer["result_url"] = files.download_url(result_key(job.params["upload_id"]), f"{stem}.totals.csv")
    return Report.of(job, **answer)
