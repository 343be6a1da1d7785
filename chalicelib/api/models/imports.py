"""``/imports``: an import's counters and its rows' outcomes."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from chalicelib.api.models.common import Answer, Request, StatusView

MAX_LIMIT = 1000  # rows a page, at most
MAX_LINE = 10**9  # far past any 5 MB file's last line


class Import(StatusView):
    rows_total: int = Field(ge=0)
    rows_in: int = Field(ge=0)
    rows_invalid: int = Field(ge=0)
    rows_sent: int = Field(ge=0)
    rows_failed: int = Field(ge=0, description="Rows not created, or whose outcome is unknown (rows_unknown).")
    rows_unknown: int = Field(
        ge=0,
        description="Failed rows whose request may have reached the API (the post may exist); never sent again,"
        " unless a retry asks for it (resend_unknown).",
    )


class ResultsQuery(Request):
    after: int = Field(default=0, ge=0, le=MAX_LINE, description="The line to continue after (next_after).")
    limit: int = Field(default=100, ge=1, le=MAX_LIMIT, description="Rows a page.")


class RowOutcome(Answer):
    line: int
    userId: int | None
    result: Literal["ok", "error", "sending"]
    postId: int | None
    error: str | None = None
    outcome_unknown: bool = Field(
        default=False,
        description="Present (true) on an error row whose request may have reached the API: the post may exist.",
    )


class Results(Answer):
    id: str
    results: list[RowOutcome]
    next_after: int | None = Field(description="Pass as `after` for the next page; null at the end.")
