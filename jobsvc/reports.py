"""``report FILE``: a local plays CSV of any size -> its totals CSV (was ``infra/report_client.py``).

A report's input can be gigabytes, more than the API takes in a request, so the round trip has
several steps; this does them all and shows how each goes:

1. ``POST /reports/uploads {"size", "filename"}`` -> a presigned S3 PUT URL and the headers to send;
2. PUT the file there, streamed from disk (never held in memory), with a progress bar;
3. ``POST /reports/from-upload {"upload_id"}`` -> the report's id;
4. follow ``GET /reports/{id}`` until it finished, with its progress;
5. stream ``result_url`` to ``out``, with a progress bar, and print the counts and first bad rows.

The PUT body is a file wrapper with a length, not a generator: for a generator ``requests`` sends
``Transfer-Encoding: chunked``, which a presigned S3 PUT (signed with ``Content-Length``) refuses.
Storage URLs get no API key: it is for the API alone.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import Any, BinaryIO
from urllib.parse import quote, urljoin

import requests

from jobsvc.client import Api, ApiError, message_of
from jobsvc.follow import follow
from jobsvc.progress import ByteBar

CHUNK_BYTES = 1 << 20
SHOWN_ERRORS = 10
STORAGE_TIMEOUT = 600


class CountingReader:
    """A read-only view of a file that reports every block read to a progress bar.

    ``requests`` takes its ``len()`` as the Content-Length and streams it with ``read(n)``.
    """

    def __init__(self, handle: BinaryIO, size: int, progress: ByteBar) -> None:
        self.handle, self.size, self.progress = handle, size, progress

    def __len__(self) -> int:
        return self.size

    def read(self, count: int = -1) -> bytes:
        data = self.handle.read(count if count and count > 0 else CHUNK_BYTES)
        self.progress.add(len(data))
        return data

    def __iter__(self) -> Iterator[bytes]:
        while data := self.read(CHUNK_BYTES):
            yield data

    def __enter__(self) -> CountingReader:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.handle.close()


def _storage(response: requests.Response, what: str) -> requests.Response:
    if response.status_code != 200:
        raise ApiError(f"{what}: {message_of(response)} (HTTP {response.status_code})", response.status_code)
    return response


def request_upload(api: Api, size: int, filename: str) -> dict[str, Any]:
    """``POST /reports/uploads``: the presigned PUT (``upload_id``, ``url``, ``headers``)."""
    ticket: dict[str, Any] = api.post("reports/uploads", {"size": size, "filename": filename}, expected=(201,))
    return ticket


def put_file(upload: dict[str, Any], path: Path, size: int) -> float:
    """PUT the file to the presigned URL with exactly the given headers, streamed; the seconds it took."""
    progress = ByteBar("upload  ", size)
    try:
        with CountingReader(path.open("rb"), size, progress) as body:
            reply = requests.request(
                str(upload.get("method", "PUT")),
                upload["url"],
                data=body,
                headers=upload.get("headers", {}),
                timeout=STORAGE_TIMEOUT,
            )
    except requests.RequestException as exc:
        raise ApiError(f"PUT to storage: no answer ({type(exc).__name__}: {exc})") from None
    seconds = progress.finish()
    _storage(reply, "PUT to storage")
    return seconds


def submit(api: Api, upload_id: str, filename: str | None = None) -> str:
    """``POST /reports/from-upload {"upload_id"}``: the report's id."""
    body = {"upload_id": upload_id, **({"filename": filename} if filename else {})}
    return str(api.post("reports/from-upload", body)["id"])


def wait(api: Api, report_id: str, timeout: float | None) -> dict[str, Any]:
    """Follow ``GET /reports/{id}`` until the report finished; its last state."""
    return follow(api, f"reports/{quote(report_id, safe='')}", "report  ", timeout=timeout)


def download(url: str, out: Path) -> tuple[int, float]:
    """Stream ``url`` to ``out``; the bytes written and the seconds it took."""
    try:
        with requests.get(url, stream=True, timeout=STORAGE_TIMEOUT) as reply:
            _storage(reply, "GET result_url")
            length = reply.headers.get("Content-Length")
            progress = ByteBar("download", int(length) if length and length.isdigit() else None)
            with out.open("wb") as handle:
                for chunk in reply.iter_content(CHUNK_BYTES):
                    handle.write(chunk)
                    progress.add(len(chunk))
    except requests.RequestException as exc:
        raise ApiError(f"GET result_url: no answer ({type(exc).__name__}: {exc})") from None
    return progress.done, progress.finish()


def summary(report: dict[str, Any]) -> list[str]:
    """The counts and the first bad rows, as printed lines."""
    lines = [f"{name}: {report.get(name)}" for name in ("status", "rows_in", "rows_invalid", "pairs")]
    errors = report.get("errors") or []
    lines += [f"  {error}" for error in errors[:SHOWN_ERRORS]]
    if len(errors) > SHOWN_ERRORS:
        lines.append(f"  ... and {len(errors) - SHOWN_ERRORS} more reported")
    if report.get("error"):
        lines.append(f"error: {report['error']}")
    return lines


def round_trip(api: Api, path: Path, out: Path, timeout: float | None) -> tuple[bool, list[str]]:
    """Upload, report, wait, download; whether the report succeeded, and the lines that sum it up."""
    size = path.stat().st_size
    upload = request_upload(api, size, path.name)
    put_file(upload, path, size)
    report_id = submit(api, str(upload["upload_id"]), path.name[:200])
    print(f"report {report_id}", file=sys.stderr)  # early: the id to follow it by
    lines = [f"report {report_id}"]
    report = wait(api, report_id, timeout)
    if report.get("status") == "succeeded" and report.get("result_url"):
        written, _ = download(urljoin(f"{api.base}/", str(report["result_url"])), out)
        lines.append(f"totals: {out} ({written:,} bytes)")
    return report.get("status") == "succeeded", lines + summary(report)
