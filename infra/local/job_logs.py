"""``make logs JOB=<id>``: one job's lines from every log of the local stacks, merged in time order.

Reads each ``*.log`` of ``make run``'s folder (``.cache/logs``), the benchmarks' and chaos runs'
(``.cache/*-logs``) and the latest test session's private stacks (pytest's ``pytest-current``),
or the folders given. A line is the job's when it is a JSON line whose ``job_id`` is the job's
(the service's lines, ``chalicelib.telemetry``) or when it names the job's id (the runner's
``REPORT ... (job <id>)`` lines, ``chalice local``'s access lines). Then the lines of the same
requests follow them in: a JSON line without a job but with a request id the job's lines carry
(an invocation's first lines, before it read its message), and a text line naming that request id.

The formats' times: JSON ``time`` (UTC) or EMF ``_aws.Timestamp`` (ms); ``2026-12-02 01:02:03,456``
(Python's logging, local time); ``[02/Dec/2026 01:02:03]`` (HTTP servers' access lines, local time).
A line without a time (a traceback's) belongs to the line above it.

    python -m infra.local.job_logs JOB_ID [FOLDER ...] [--json]
"""

from __future__ import annotations

import argparse
import getpass
import json
import re
import sys
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from infra.local.stack import CACHE

_LOGGING_TIME = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d),(\d{3}) ")
_ACCESS_TIME = re.compile(r"\[(\d\d/[A-Z][a-z]{2}/\d{4} \d\d:\d\d:\d\d)\]")
_REQUEST_ID = re.compile(r"RequestId:? ([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})")
_EPOCH = datetime.fromtimestamp(0, UTC)


@dataclass
class Entry:
    """One logged event: its first line and any continuation lines, where it was found, when."""

    source: str
    time: datetime | None
    lines: list[str]
    fields: dict[str, Any] | None = None  # the parsed JSON line, if it is one
    order: int = 0  # its place in its file: equal times keep the files' order

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


@dataclass
class Found:
    entries: list[Entry] = field(default_factory=list)
    request_ids: set[str] = field(default_factory=set)


def default_folders() -> list[Path]:
    """``make run``'s logs, the benchmarks' and chaos runs', and the latest test session's stacks."""
    folders = [CACHE / "logs", *sorted(CACHE.glob("*-logs")), *sorted(CACHE.glob("*-logs/*/"))]
    session = Path(tempfile.gettempdir()) / f"pytest-of-{getpass.getuser()}" / "pytest-current"
    # pytest's ``<name>current`` links point at a numbered folder already listed.
    folders += sorted(path for path in session.glob("*/") if not path.is_symlink() and any(path.glob("*.log")))
    return [folder for folder in folders if folder.is_dir()]


def parse_json(line: str) -> dict[str, Any] | None:
    if not line.startswith("{"):
        return None
    try:
        parsed = json.loads(line)
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict) else None


def time_of(line: str, fields: dict[str, Any] | None) -> datetime | None:
    """When a line was written, in UTC, from whichever format it has; None for a continuation line."""
    if fields is not None:
        if isinstance(fields.get("time"), str):
            try:
                return datetime.strptime(fields["time"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
            except ValueError:
                return None
        stamp = fields.get("_aws", {}).get("Timestamp") if isinstance(fields.get("_aws"), dict) else None
        return datetime.fromtimestamp(stamp / 1000, UTC) if isinstance(stamp, int | float) else None
    if match := _LOGGING_TIME.match(line):
        local = datetime.strptime(f"{match[1]}.{match[2]}", "%Y-%m-%d %H:%M:%S.%f")
        return local.astimezone().astimezone(UTC)
    if match := _ACCESS_TIME.search(line[:80]):
        return datetime.strptime(match[1], "%d/%b/%Y %H:%M:%S").astimezone().astimezone(UTC)
    return None


def entries(path: Path, source: str) -> Iterator[Entry]:
    """The events of one log file; a line without a time joins the event above it."""
    current: Entry | None = None
    with path.open(errors="replace") as lines:
        for number, raw in enumerate(lines):
            line = raw.rstrip("\n")
            fields = parse_json(line)
            moment = time_of(line, fields)
            if moment is None and fields is None and current is not None:
                current.lines.append(line)
                continue
            if current is not None:
                yield current
            current = Entry(source, moment, [line], fields, number)
    if current is not None:
        yield current


def _names_job(entry: Entry, job_id: str) -> bool:
    if entry.fields is not None and "job_id" in entry.fields:
        return str(entry.fields["job_id"]) == job_id
    return job_id in entry.text


def _request_ids(entry: Entry) -> set[str]:
    found = set(_REQUEST_ID.findall(entry.text))
    if entry.fields is not None and entry.fields.get("request_id"):
        found.add(str(entry.fields["request_id"]))
    return found


def _same_request(entry: Entry, request_ids: set[str]) -> bool:
    if entry.fields is not None:
        return "job_id" not in entry.fields and str(entry.fields.get("request_id")) in request_ids
    return any(request_id in entry.text for request_id in request_ids)


def find(job_id: str, files: Iterable[tuple[Path, str]]) -> Found:
    """The job's events in ``files`` (path, name shown), and the request ids they carry, in time order."""
    every = [entry for path, source in files for entry in entries(path, source)]
    found = Found()
    matched = [_names_job(entry, job_id) for entry in every]
    for entry, is_job in zip(every, matched, strict=True):
        if is_job:
            found.request_ids |= _request_ids(entry)
    for entry, is_job in zip(every, matched, strict=True):
        if is_job or (found.request_ids and _same_request(entry, found.request_ids)):
            found.entries.append(entry)
    found.entries.sort(key=lambda entry: (entry.time or _EPOCH, entry.source, entry.order))
    return found


def log_files(folders: Sequence[Path]) -> list[tuple[Path, str]]:
    """Each folder's ``*.log`` files, named ``file`` (one folder) or ``folder/file``."""
    files = []
    for folder in folders:
        for path in sorted(folder.glob("*.log")):
            files.append((path, path.stem if len(folders) == 1 else f"{folder.name}/{path.stem}"))
    return files


def render(entry: Entry) -> str:
    """One event for a person: time, where, then the message with the job's fields."""
    stamp = entry.time.strftime("%H:%M:%S.%f")[:-3] if entry.time else "?"
    fields = entry.fields
    if fields is None:
        return f"{stamp} {entry.source:<16} {entry.text}"
    if "_aws" in fields:
        duration = f" in {fields['duration']:.3f} s" if isinstance(fields.get("duration"), int | float) else ""
        text = f"METRIC {fields.get('kind')} {fields.get('status')}{duration} (attempt {fields.get('attempt')})"
        return f"{stamp} {entry.source:<16} {text}"
    context = " ".join(f"{name}={fields[name]}" for name in ("kind", "attempt", "request_id") if name in fields)
    text = f"{fields.get('level', '')} {fields.get('logger', '')}: {fields.get('message', '')}  [{context}]"
    if fields.get("exception"):
        text += "\n" + "\n".join(f"    {line}" for line in str(fields["exception"]).splitlines())
    return f"{stamp} {entry.source:<16} {text}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="One job's lines across the local stacks' logs, in time order.")
    parser.add_argument("job_id")
    parser.add_argument("folders", nargs="*", type=Path, help="log folders (default: the local stacks')")
    parser.add_argument("--json", action="store_true", help="the lines as written, not rendered")
    args = parser.parse_args(argv)
    folders = args.folders or default_folders()
    files = log_files(folders)
    found = find(args.job_id.strip(), files)
    for entry in found.entries:
        print(entry.text if args.json else render(entry))
    if not found.entries:
        where = ", ".join(str(folder) for folder in folders) or "no log folder found"
        print(f"no line names job {args.job_id} in {len(files)} log file(s) ({where})", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
