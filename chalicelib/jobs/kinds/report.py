"""Play-count reports (seed 004) as a job kind: S3 upload -> totals CSV in S3.

The worker downloads the upload to scratch disk, aggregates it with bounded memory
(``chalicelib.reports.aggregate``) and uploads the totals (multipart for large files).
Input and output never need to fit in memory; scratch disk holds both (Lambda: up to 10 GB
of ``/tmp``).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from pydantic import Field

from chalicelib.aws import files
from chalicelib.config import get_settings
from chalicelib.ids import Id
from chalicelib.jobs.kind import Filename, JobKind, KindParams, Params, Progress
from chalicelib.reports.aggregate import aggregate


def upload_key(upload_id: str) -> str:
    return f"{files.UPLOADS}{upload_id}.csv"


def result_key(upload_id: str) -> str:
    return f"{files.RESULTS}{upload_id}.totals.csv"


class ReportParams(KindParams):
    upload_id: Id = Field(
        description="From POST /reports/uploads, once the file was PUT.", examples=["3f2c8e9a4b7d4e1f9a0b6c5d2e8f7a1b"]
    )
    filename: Filename = Field(default="plays.csv", description="Names the totals file.")


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


KIND = JobKind(name="report", run=_run, params=ReportParams, describe=lambda params: f"totals of {params['filename']}")
