"""Play-count reports (seed 004) as a job kind: S3 upload -> totals CSV in S3.

The worker downloads the upload to scratch disk, aggregates it with bounded memory
(``chalicelib.reports.aggregate``) and uploads the totals (multipart for large files).
Input and output never need to fit in memory; scratch disk holds both (Lambda: up to 10 GB
of ``/tmp``).
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from chalicelib.aws import files
from chalicelib.config import get_settings
from chalicelib.errors import InvalidInput
from chalicelib.jobs.kind import JobKind, Params, Progress
from chalicelib.reports.aggregate import aggregate

_UPLOAD_ID = re.compile(r"[0-9a-f]{32}")


def upload_key(upload_id: str) -> str:
    return f"{files.UPLOADS}{upload_id}.csv"


def result_key(upload_id: str) -> str:
    return f"{files.RESULTS}{upload_id}.totals.csv"


def parse_params(raw: Mapping[str, Any]) -> Params:
    upload_id, filename = raw.get("upload_id"), raw.get("filename", "plays.csv")
    if not isinstance(upload_id, str) or not _UPLOAD_ID.fullmatch(upload_id):
        raise InvalidInput("upload_id", f"{upload_id!r} is not an upload id from POST /reports/uploads")
    if not isinstance(filename, str) or not 0 < len(filename) <= 200:
        raise InvalidInput("filename", "must be a name of 1 to 200 characters")
    return {"upload_id": upload_id, "filename": filename}


def _run(params: Params, progress: Progress) -> dict[str, Any]:
    settings = get_settings()
    key = upload_key(params["upload_id"])
    total = files.size_of(key) or 1
    downloaded = 0

    def on_bytes(count: int) -> None:
        nonlocal downloaded
        downloaded += count
        progress(0.5 * downloaded / total)

    with tempfile.TemporaryDirectory(dir=settings.scratch_dir, prefix="report-") as scratch:
        source, target = Path(scratch) / "plays.csv", Path(scratch) / "totals.csv"
        files.download(key, source, on_bytes)
        aggregation = aggregate(
            source,
            target,
            memory_mb=settings.report_memory_mb,
            temp_dir=Path(scratch) / "spill",
            progress=lambda done: progress(0.5 + 0.4 * done),
        )
        files.upload(target, result_key(params["upload_id"]))
    return {"result_key": result_key(params["upload_id"]), **aggregation.as_dict()}


KIND = JobKind(
    name="report", run=_run, parse_params=parse_params, describe=lambda params: f"totals of {params['filename']}"
)
