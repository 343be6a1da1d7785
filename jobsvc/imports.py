"""``import FILE``: a posts CSV to ``POST /imports`` (multipart, as the page sends it), followed to
its end; then its counters and every row that failed, with its line number."""

from __future__ import annotations

import io
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

from urllib3 import encode_multipart_formdata

from jobsvc.client import Api
from jobsvc.follow import follow
from jobsvc.progress import ByteBar
from jobsvc.reports import CountingReader

PAGE = 1000  # rows of /imports/{id}/results a request (its most)
COUNTERS = ("rows_total", "rows_in", "rows_invalid", "rows_sent", "rows_failed", "rows_unknown")


def upload(api: Api, path: Path) -> str:
    """POST the file as the multipart field ``file``, with a progress bar; the import's id."""
    body, content_type = encode_multipart_formdata({"file": (path.name, path.read_bytes(), "text/csv")})
    progress = ByteBar("upload  ", len(body))
    with CountingReader(io.BytesIO(body), len(body), progress) as reader:
        answer = api.request("POST", "imports", (202,), data=reader, headers={"Content-Type": content_type})
    progress.finish()
    return str(answer["id"])


def counters(view: dict[str, Any]) -> str:
    """The counters the bar shows while the import runs."""
    return (
        f"sent {view.get('rows_sent', 0):,}/{view.get('rows_total', 0):,} "
        f"invalid {view.get('rows_invalid', 0):,} failed {view.get('rows_failed', 0):,}"
    )


def failed_rows(api: Api, import_id: str) -> Iterator[dict[str, Any]]:
    """Every row whose result is an error (invalid, refused, or its outcome unknown), in line order."""
    after = 0
    while True:
        page = api.get(f"imports/{quote(import_id, safe='')}/results", {"after": after, "limit": PAGE})
        yield from (row for row in page.get("results", []) if row.get("result") == "error")
        if page.get("next_after") is None:
            return
        after = int(page["next_after"])


def row_line(row: dict[str, Any]) -> str:
    unknown = " (outcome unknown: the post may exist)" if row.get("outcome_unknown") else ""
    return f"  line {row.get('line')}: userId {row.get('userId')}: {row.get('error') or 'error'}{unknown}"


def summary(view: dict[str, Any], failed: list[dict[str, Any]]) -> list[str]:
    lines = [f"import {view.get('id')}: {view.get('status')}"]
    lines.append("  ".join(f"{name} {view.get(name, 0):,}" for name in COUNTERS))
    if view.get("error"):
        lines.append(f"error: {view['error']}")
    if failed:
        lines.append(f"failed rows ({len(failed):,}):")
        lines += [row_line(row) for row in failed]
    return lines


def run(api: Api, path: Path, timeout: float | None) -> tuple[bool, list[str]]:
    """Upload, follow, sum up; whether the import succeeded, and the lines that sum it up."""
    import_id = upload(api, path)
    print(f"import {import_id}", file=sys.stderr)  # early: the id to cancel it by
    view = follow(api, f"imports/{quote(import_id, safe='')}", "import  ", counters, timeout=timeout)
    return view.get("status") == "succeeded", summary(view, list(failed_rows(api, import_id)))
