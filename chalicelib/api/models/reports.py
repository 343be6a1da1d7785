"""``/reports``: a file in the request or a presigned upload, and the report's status."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, Strict

from chalicelib.api.models.common import Answer, Request, StatusView
from chalicelib.jobs.kind import Filename
from chalicelib.jobs.kinds.report import ReportParams
from chalicelib.validation import whole

# What one worker finishes on AWS (docs/ARCHITECTURE.md, "Sizes"): within its 100 s and 4 GB of /tmp.
MAX_UPLOAD_BYTES = 1_500_000_000


class UploadRequest(Request):
    size: Annotated[int, BeforeValidator(whole), Strict()] = Field(
        ge=1, le=MAX_UPLOAD_BYTES, description="The file's exact size in bytes.", examples=[1048576]
    )
    filename: Filename | None = Field(default=None, description="Not used yet; accepted for the client's sake.")


class UploadTicket(Answer):
    upload_id: str
    url: str = Field(description="PUT the file here, with `headers`.")
    method: Literal["PUT"]
    headers: dict[str, str]
    expires_in: int = Field(description="Seconds the URL stays valid.")
    max_bytes: int


class ReportFromUpload(ReportParams):
    __doc__ = None  # the kind's own model, under the API's name (and no description of its own)


class Report(StatusView):
    result_url: str | None = Field(description="A presigned GET of the totals CSV once succeeded, else null.")
    rows_in: int | None
    rows_invalid: int | None
    pairs: int | None = Field(description="Distinct (song, date) pairs.")
    errors: list[str] | None = Field(description="The first 20 bad rows, with their line numbers.")
