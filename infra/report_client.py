"""Command-line client for play-count reports: a local CSV file of any size -> its totals CSV.

Why: a report's input can be gigabytes, more than the API takes in a request, so the round trip
has several steps; this client does them all and shows how each goes:

1. ``POST /reports/uploads {"size", "filename"}`` -> a presigned S3 PUT URL and the headers to send;
2. PUT the file there, streamed from disk (never held in memory), with a progress bar;
3. ``POST /reports/from-upload {"upload_id"}`` -> the report's id;
4. poll ``GET /reports/{id}`` until it succeeds or fails, showing its status and progress;
5. stream ``result_url`` to ``--out``, with a progress bar, and print the counts and first bad rows.

The PUT body is a file wrapper with a length, not a generator: for a generator ``requests`` sends
``Transfer-Encoding: chunked``, which a presigned S3 PUT (signed with ``Content-Length``) refuses.

    python -m infra.report_client FILE [--api http://127.0.0.1:8000] [--out RESULT.csv]

Exit status: 0 when the report succeeded, 1 when it failed, 2 when the API or S3 refused a step.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import Any, BinaryIO
from urllib.parse import urljoin

import requests

CHUNK_BYTES = 1 << 20
POLL_SECONDS = 0.5
REFRESH_SECONDS = 0.25
SHOWN_ERRORS = 10
FINISHED = ("succeeded", "failed")


class StepFailed(RuntimeError):
    """The API or S3 refused one step of the round trip."""


class ProgressBar:
    """A one-line progress bar on stderr: percent, bytes done, MB/s; redrawn at most 4 times a second."""

    def __init__(self, label: str, total: int | None) -> None:
        self.label, self.total, self.done = label, total, 0
        self.started = self.drawn = time.monotonic()

    def add(self, count: int) -> None:
        self.done += count
        if time.monotonic() - self.drawn >= REFRESH_SECONDS:
            self.draw()

    def rate(self) -> float:
        """MB/s (10**6 bytes) so far."""
        return self.done / 1e6 / max(time.monotonic() - self.started, 1e-9)

    def draw(self, end: str = "") -> None:
        self.drawn = time.monotonic()
        percent = f"{100 * self.done / self.total:5.1f}%" if self.total else "   ?  "
        sys.stderr.write(f"\r{self.label} {percent}  {self.done / 1e6:,.1f} MB  {self.rate():,.1f} MB/s{end}")
        sys.stderr.flush()

    def finish(self) -> float:
        """Draw the final line; the seconds it took."""
        self.draw(end="\n")
        return time.monotonic() - self.started


class CountingReader:
    """A read-only view of a file that reports every block read to a progress bar.

    ``requests`` takes its ``len()`` as the Content-Length and streams it with ``read(n)``.
    """

    def __init__(self, handle: BinaryIO, size: int, bar: ProgressBar) -> None:
        self.handle, self.size, self.bar = handle, size, bar

    def __len__(self) -> int:
        return self.size

    def read(self, count: int = -1) -> bytes:
        data = self.handle.read(count if count and count > 0 else CHUNK_BYTES)
        self.bar.add(len(data))
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


def _checked(response: requests.Response, expected: int, what: str) -> requests.Response:
    if response.status_code != expected:
        raise StepFailed(f"{what}: HTTP {response.status_code} (expected {expected}): {response.text[:500]}")
    return response


def _json(response: requests.Response, expected: int, what: str) -> dict[str, Any]:
    body = _checked(response, expected, what).json()
    if not isinstance(body, dict):
        raise StepFailed(f"{what}: expected a JSON object, got {response.text[:200]}")
    return body


def request_upload(api: str, size: int, filename: str) -> dict[str, Any]:
    """``POST /reports/uploads``: the presigned PUT (``upload_id``, ``url``, ``headers``)."""
    reply = requests.post(f"{api}/reports/uploads", json={"size": size, "filename": filename}, timeout=30)
    return _json(reply, 201, "POST /reports/uploads")


def put_file(upload: dict[str, Any], path: Path, size: int) -> float:
    """PUT the file to the presigned URL with exactly the given headers, streamed; the seconds it took."""
    bar = ProgressBar("upload  ", size)
    with CountingReader(path.open("rb"), size, bar) as body:
        reply = requests.request(
            str(upload.get("method", "PUT")), upload["url"], data=body, headers=upload.get("headers", {}), timeout=600
        )
    seconds = bar.finish()
    _checked(reply, 200, "PUT to the presigned URL")
    return seconds


def submit(api: str, upload_id: str) -> str:
    """``POST /reports/from-upload {"upload_id"}``: the report's id."""
    body = _json(
        requests.post(f"{api}/reports/from-upload", json={"upload_id": upload_id}, timeout=30),
        202,
        "POST /reports/from-upload",
    )
    return str(body["id"])


def wait(api: str, report_id: str, timeout: float) -> dict[str, Any]:
    """Poll ``GET /reports/{id}`` until the report succeeded or failed; its last state."""
    started = time.monotonic()
    while True:
        report = _json(requests.get(f"{api}/reports/{report_id}", timeout=30), 200, f"GET /reports/{report_id}")
        progress = report.get("progress") or 0
        elapsed = time.monotonic() - started
        sys.stderr.write(f"\rreport   {report.get('status', '?'):<10} {100 * float(progress):5.1f}%  {elapsed:6.1f} s")
        sys.stderr.flush()
        if report.get("status") in FINISHED:
            sys.stderr.write("\n")
            return report
        if elapsed > timeout:
            sys.stderr.write("\n")
            raise StepFailed(f"report {report_id} not finished after {timeout:.0f} s (status {report.get('status')})")
        time.sleep(POLL_SECONDS)


def download(url: str, out: Path) -> tuple[int, float]:
    """Stream ``url`` to ``out``; the bytes written and the seconds it took."""
    with requests.get(url, stream=True, timeout=600) as reply:
        _checked(reply, 200, "GET result_url")
        length = reply.headers.get("Content-Length")
        bar = ProgressBar("download", int(length) if length and length.isdigit() else None)
        with out.open("wb") as handle:
            for chunk in reply.iter_content(CHUNK_BYTES):
                handle.write(chunk)
                bar.add(len(chunk))
    return bar.done, bar.finish()


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


def round_trip(api: str, path: Path, out: Path, timeout: float) -> bool:
    """Upload, report, wait, download; True when the report succeeded."""
    size = path.stat().st_size
    upload = request_upload(api, size, path.name)
    put_file(upload, path, size)
    report_id = submit(api, str(upload["upload_id"]))
    print(f"report {report_id}", file=sys.stderr)
    report = wait(api, report_id, timeout)
    if report.get("status") == "succeeded" and report.get("result_url"):
        written, _ = download(urljoin(f"{api}/", str(report["result_url"])), out)
        print(f"totals: {out} ({written:,} bytes)")
    print("\n".join(summary(report)))
    return report.get("status") == "succeeded"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("file", type=Path, help="a CSV file: Song,Date,Number of Plays")
    parser.add_argument("--api", default="http://127.0.0.1:8000", help="the API's base URL")
    parser.add_argument("--out", type=Path, help="where to write the totals (default: FILE.totals.csv)")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds to wait for the report")
    args = parser.parse_args(argv)
    if not args.file.is_file():
        parser.error(f"{args.file}: no such file")
    out = args.out or args.file.with_name(f"{args.file.name}.totals.csv")
    try:
        return 0 if round_trip(args.api.rstrip("/"), args.file, out, args.timeout) else 1
    except (StepFailed, requests.RequestException) as exc:
        print(f"\nerror: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
