"""``/imports``: send each row of a posts CSV to the third-party API (seed 003), and follow it.

POST /imports (multipart, field ``file``: ``userId,title,body``)  -> 202 {"id"}
GET  /imports/{id}            -> status and counters (rows in, invalid, sent, failed)
GET  /imports/{id}/results    -> each row's outcome, in line order, 100 a page (``after``)
"""

from __future__ import annotations

from chalice.app import Blueprint

from chalicelib.api.contract import Answered, accepted, follow, operation
from chalicelib.api.models.common import Accepted
from chalicelib.api.models.imports import Import, Results, ResultsQuery
from chalicelib.api.multipart import MAX_BYTES, request_file
from chalicelib.aws import files
from chalicelib.errors import InvalidInput, UnsupportedMedia
from chalicelib.ids import new_id
from chalicelib.imports import ledger
from chalicelib.imports.rows import MAX_LINE_BYTES, BadHeader, NotText, check_first_line
from chalicelib.jobs import store
from chalicelib.jobs.kinds.post_import import upload_key
from chalicelib.jobs.submit import submit

bp = Blueprint(__name__)
KIND = "import"


@bp.route("/imports", methods=["POST"], content_types=["multipart/form-data"])
@operation(
    bp,
    "Queue an import of a posts CSV",
    {202: Accepted},
    upload=f"A userId,title,body CSV (UTF-8) of at most {MAX_BYTES:,} bytes",
    errors=(413, 415, 503),
    headers={202: {"Location": "The import: /imports/{id}"}},
    links=follow("id", imports_detail="import_id", imports_results="import_id", jobs_get_job="job_id"),
)
def create() -> Answered:
    upload = request_file(bp.current_request)
    _check_csv(upload.content)
    import_id = new_id()
    files.put_bytes(upload_key(import_id), upload.content)
    job = submit(KIND, {"import_id": import_id, "filename": upload.filename})
    return accepted(job, f"/imports/{job.id}")


@bp.route("/imports/{import_id}", methods=["GET"])
@operation(bp, "An import's status and counters", {200: Import})
def detail(import_id: str) -> Import:
    job = store.get_job_of_kind(import_id, KIND)
    return Import.of(job, **ledger.summary(job.params["import_id"]))


@bp.route("/imports/{import_id}/results", methods=["GET"])
@operation(bp, "Each row's outcome, in line order, a page at a time", {200: Results}, query=ResultsQuery)
def results(import_id: str, query: ResultsQuery) -> Results:
    """Row outcomes after line ``after`` (default 0), ``limit`` a page (default 100, at most 1,000)."""
    job = store.get_job_of_kind(import_id, KIND)
    rows, next_after = ledger.results(job.params["import_id"], after=query.after, limit=query.limit)
    return Results.model_validate({"id": job.id, "results": rows, "next_after": next_after})


def _check_csv(content: bytes) -> None:
    """The file's first line must be the header, as UTF-8 text: the rest is checked row by row by
    the import (``imports.rows``), a bad row reported with its line, not a refused file."""
    try:
        check_first_line(content[: MAX_LINE_BYTES + 1])
    except NotText as exc:
        raise UnsupportedMedia(f"file: {exc}") from None
    except BadHeader as exc:
        raise InvalidInput("file", str(exc)) from None
