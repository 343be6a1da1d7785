"""The chaos run's jobs: what is submitted (metric, calculations of several sizes, play-count
reports, posts imports with hostile rows), through the real HTTP API, and the wait for them.

Every import row's title is unique in the run (``chaos SEED import N line L``), so the posts API
can tell a post created twice. Hostile userIds (``--5``, ``²``, a full-width one, 39 digits, empty) and
empty fields are mixed into the valid rows; blank lines are never written, so every data line
of a file must get an outcome.
"""

from __future__ import annotations

import random
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from urllib3 import encode_multipart_formdata

from bench.api import Reply, call, send
from bench.chaos.plan import Plan
from chalicelib.jobs.model import FINISHED
from infra import plays_data

CALCULATIONS = (  # (label, date_start, date_fin, lag): 31, 53 and 10,957 rows (the last one a result in S3)
    ("a month", "2024-01-01", "2024-01-31", 1),
    ("a year", "2023-01-01", "2023-12-31", 7),
    ("thirty years", "1990-01-01", "2019-12-31", 1),
)
HOSTILE = (  # (label, userId, title, body): rows that must each end as that row's error
    ("userId --5", "--5", None, "b"),
    ("userId ²", "²", None, "b"),
    ("userId U+FF11 (full-width 1)", "\uff11", None, "b"),
    ("userId of 39 digits", "1" * 39, None, "b"),
    ("empty userId", "", None, "b"),
    ("empty title", "3", "", "b"),
    ("empty body", "4", None, ""),
)
POLL_SECONDS = 1.0


@dataclass(frozen=True)
class Work:
    """One job to submit: the route, its body (JSON or a file), and for imports the data lines."""

    kind: str
    label: str
    path: str
    payload: dict[str, Any] | None = None
    file: bytes | None = None
    lines: tuple[int, ...] = ()  # an import's data lines, each of which must get an outcome
    valid: dict[int, str] = field(default_factory=dict)  # an import's valid rows: line -> (unique) title


@dataclass
class Job:
    """A submitted job as the run saw it: accepted or not, then its last record."""

    work: Work
    id: str | None = None
    rejected: str | None = None  # why the submission was not accepted
    record: dict[str, Any] = field(default_factory=dict)  # the job's item, read straight from DynamoDB

    @property
    def status(self) -> str:
        return str(self.record.get("status", "unknown")) if self.id else "rejected"

    @property
    def finished(self) -> bool:
        return self.status in FINISHED


def _csv_field(value: str) -> str:
    return plays_data.csv_field(value)


def hostile_rows(number: int, imports: int) -> list[tuple[str, str, str | None, str]]:
    """The hostile rows of import ``number`` of ``imports``: the kinds are dealt round, 1 to 3 an
    import, so that every kind is in the run whenever there are at least 3 imports."""
    each = max(1, min(3, -(-len(HOSTILE) // imports)))
    return [HOSTILE[(number * each + k) % len(HOSTILE)] for k in range(each)]


def import_file(
    seed: int, number: int, valid: int, hostile: list[tuple[str, str, str | None, str]], rng: random.Random
) -> tuple[bytes, tuple[int, ...], dict[int, str]]:
    """A posts CSV: ``valid`` valid rows and the ``hostile`` ones at random places; its data lines,
    and the title of each valid row by line."""
    rows: list[tuple[str, str | None, str] | None] = [None] * valid
    for _, bad_user, bad_title, bad_body in hostile:
        rows.insert(rng.randrange(len(rows) + 1), (bad_user, bad_title, bad_body))
    lines, titles = ["userId,title,body"], {}
    for index, entry in enumerate(rows):
        line = index + 2
        title = f"chaos {seed} import {number} line {line}"
        if entry is None:
            titles[line] = title
        user, given_title, body = entry if entry is not None else (str(rng.randint(1, 10)), None, f"body {line}")
        lines.append(",".join(_csv_field(v) for v in (user, title if given_title is None else given_title, body)))
    return ("\n".join(lines) + "\n").encode(), tuple(range(2, len(rows) + 2)), titles


def plays_file(seed: int, number: int, scratch: Path) -> bytes:
    """A small play-count CSV (about 20 KB: songs with commas, quotes and UTF-8 names)."""
    path = scratch / f"plays-{number}.csv"
    plays_data.generate(path, target_bytes=20_000, songs=60, days=30, seed=seed * 1000 + number)
    return path.read_bytes()


def works(plan: Plan) -> list[Work]:
    """The run's jobs in a seeded order."""
    rng = random.Random(plan.seed)
    counts = plan.counts()
    jobs = [Work("metric", "metric", "/launch", {"name": f"chaos metric {n}"}) for n in range(counts["metric"])]
    for n in range(counts["calculation"]):
        label, start, end, lag = CALCULATIONS[n % len(CALCULATIONS)]
        body = {"date_start": start, "date_fin": end, "lag": lag, "name": f"chaos {label} {n}"}
        jobs.append(Work("calculation", f"calculation, {label}", "/calculations", body))
    with tempfile.TemporaryDirectory(prefix="chaos-") as scratch:
        jobs += [
            Work("report", "report, 20 KB", "/reports", file=plays_file(plan.seed, n, Path(scratch)))
            for n in range(counts["report"])
        ]
    for n in range(counts["import"]):
        hostile = hostile_rows(n, counts["import"])
        content, lines, titles = import_file(plan.seed, n, plan.import_rows, hostile, rng)
        label = f"import, hostile: {'; '.join(row[0] for row in hostile)}"
        jobs.append(Work("import", label, "/imports", file=content, lines=lines, valid=titles))
    rng.shuffle(jobs)
    return jobs


def _post(api: str, work: Work) -> Reply:
    if work.file is None:
        return call(api, "POST", work.path, work.payload)
    body, content_type = encode_multipart_formdata({"file": (f"{work.kind}.csv", work.file, "text/csv")})
    return send(api, "POST", work.path, body, content_type)


def submit(api: str, work: Work) -> Job:
    """POST the job once (a client retrying a POST could create it twice): accepted, or why not."""
    try:
        reply = _post(api, work)
    except (OSError, ValueError) as exc:
        return Job(work, rejected=f"{type(exc).__name__}: {exc}")
    job_id = reply.body.get("job_id") or reply.body.get("id")
    if reply.status not in (201, 202) or not isinstance(job_id, str):
        return Job(work, rejected=f"HTTP {reply.status}: {str(reply.body)[:200]}")
    return Job(work, id=job_id)


def _read(dynamodb: Any, table: str, jobs: list[Job]) -> None:
    """Refresh the records of ``jobs`` (at most 100) with one consistent BatchGetItem."""
    keys = [{"id": {"S": job.id}} for job in jobs if job.id]
    request = {table: {"Keys": keys, "ConsistentRead": True}}
    by_id = {job.id: job for job in jobs}
    while request:
        answer = dynamodb.batch_get_item(RequestItems=request)
        for item in answer["Responses"].get(table, []):
            by_id[item["id"]["S"]].record = _plain(item)
        request = answer.get("UnprocessedKeys") or {}


def _plain(item: dict[str, Any]) -> dict[str, Any]:
    """A DynamoDB item's scalar attributes as Python values (numbers as int or float)."""
    plain: dict[str, Any] = {}
    for name, value in item.items():
        if "S" in value:
            plain[name] = value["S"]
        elif "N" in value:
            number = float(value["N"])
            plain[name] = int(number) if number.is_integer() else number
    return plain


def wait(dynamodb: Any, table: str, jobs: list[Job], deadline: float, settle: float) -> float:
    """Read the jobs until every accepted one is finished and no other record in the table is left
    unfinished (a job whose POST failed after its record was written: a sweeper may still finish
    it), or until ``deadline`` (monotonic); then ``settle`` seconds more, so that late writes are
    seen. Returns when the last accepted job was seen finished."""
    accepted = [job for job in jobs if job.id]
    last_finish = time.monotonic()
    while True:
        pending = [job for job in accepted if not job.finished]
        for start in range(0, len(pending), 100):
            _read(dynamodb, table, pending[start : start + 100])
        if any(job.finished for job in pending):
            last_finish = time.monotonic()
        done = all(job.finished for job in accepted)
        if done and all(record.get("status") in FINISHED for record in every_job(dynamodb, table)):
            break
        if time.monotonic() >= deadline:
            break
        time.sleep(POLL_SECONDS)
    time.sleep(settle)
    for start in range(0, len(accepted), 100):
        _read(dynamodb, table, accepted[start : start + 100])
    return last_finish


def every_job(dynamodb: Any, table: str) -> list[dict[str, Any]]:
    """Every job record in the table (id, kind, status, error), read straight from DynamoDB."""
    items: list[dict[str, Any]] = []
    request: dict[str, Any] = {"TableName": table, "ConsistentRead": True}
    while True:
        answer = dynamodb.scan(**request)
        items += [_plain(item) for item in answer["Items"]]
        if "LastEvaluatedKey" not in answer:
            return items
        request["ExclusiveStartKey"] = answer["LastEvaluatedKey"]
