"""The chaos run's figures: each job promise counted from what really happened.

Sources, none of them faulted: the job records (read straight from DynamoDB Local), the proxies'
logs (which writes reached the upstream, and which answers the app got), the fake posts API's
record of every creation, and each import's ``GET /imports/{id}/results`` pages.

- stuck: accepted, not ``succeeded`` or ``failed`` when the deadline passed.
- stored twice: a job with more than one write that reached DynamoDB and moved it to
  ``succeeded`` (fenced writes make a second one impossible), or with more than one result object
  (``results/...``) put in S3 and acknowledged to the app (a put whose answer the proxy dropped is
  not counted: botocore re-sends that same request).
- posts created twice: posts the API created more than once with the same (unique) title.
- rows lost: data lines of a finished import without an ``ok``/``error`` outcome in its results.
- valid rows never sent: valid rows recorded as an error although the posts API never received
  them. Split by cause: the answer to the row's own claim (the conditional put marking it
  ``sending``) was lost, so the worker took its own claim for another's (a defect); or not (the
  invocation died between the claim and the request: at-most-once's price, the row is unknowable).
- counters off: a finished import whose counters (``GET /imports/{id}``) disagree with its row
  outcomes (a row recorded without its counter, or counted twice).
- orphans: job records the client never got an id for (its POST failed after the record was
  written); those not finished are stuck where no client can see them.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from bench.api import call
from bench.chaos.workload import Job
from chalicelib.aws import files
from chalicelib.jobs import results as job_results
from chalicelib.jobs.kinds import report
from infra.local.chaos_proxy import Exchange
from infra.local.faults import Fault

OUTCOMES = ("ok", "error")
GAVE_UP = "gave up"


@dataclass
class Figures:
    """What the run's table shows (see the module's docstring for each definition)."""

    submitted: int = 0
    rejected: int = 0
    succeeded: int = 0
    failed_with_reason: int = 0
    failed_without_reason: int = 0
    stuck: int = 0
    stored_twice: int = 0
    succeeded_twice: int = 0  # of which: two writes moved the job to succeeded
    put_twice: int = 0  # of which: two acknowledged puts of its result object
    succeeded_seen: int = 0  # succeeded jobs whose succeeding write is in the proxy's log (a self-check)
    results_put: int = 0  # jobs with a result object put in S3 (large calculations, reports)
    posts_created: int = 0
    posts_late: int = 0
    posts_dropped: int = 0
    posts_twice: int = 0
    rows: int = 0  # data lines of the finished imports
    rows_lost: int = 0
    rows_unknown: int = 0  # rows recorded "outcome unknown" (sent, answer never seen)
    rows_never_sent: int = 0  # valid rows recorded as errors that never reached the posts API
    rows_claim_lost: int = 0  # of which: the answer to the row's own claim was lost
    jobs_retried: int = 0  # non-import jobs claimed more than once (imports claim once per slice)
    redeliveries: int = 0  # messages received with ApproximateReceiveCount > 1
    duplicate_sends: int = 0  # SQS sends the proxy forwarded twice
    dead_lettered: int = 0  # jobs failed by the dead-letter handler
    orphans: int = 0  # job records whose POST was not answered with their id
    orphans_unfinished: int = 0
    seconds: float = 0.0
    requests: dict[str, int] = field(default_factory=dict)
    faults: dict[str, Counter[Fault]] = field(default_factory=dict)
    by_kind: dict[str, Counter[str]] = field(default_factory=dict)
    failures: list[tuple[str, str, str]] = field(default_factory=list)  # kind/label, id, error
    stuck_jobs: list[tuple[str, str, str]] = field(default_factory=list)  # kind/label, id, state
    lost: list[tuple[str, list[int]]] = field(default_factory=list)  # import id, lines
    unsent: list[tuple[str, int, str]] = field(default_factory=list)  # ledger import id, line, error
    histories: dict[tuple[str, int], list[str]] = field(default_factory=dict)  # their writes, from the proxy's log
    counters_off: list[tuple[str, str]] = field(default_factory=list)  # finished imports whose counters disagree

    @property
    def success_share(self) -> float:
        return self.succeeded / self.submitted if self.submitted else 0.0


def _succeed_writes(exchanges: list[Exchange], table: str) -> Counter[str]:
    """Per job id: the writes that reached DynamoDB (answered 200 upstream) and set ``succeeded``."""
    counts: Counter[str] = Counter()
    for exchange in exchanges:
        if exchange.service != "dynamodb" or exchange.status != 200:
            continue
        for write in exchange.facts.get("writes", []):
            if write["table"] == table and write["status"] == "succeeded" and write["key"]:
                counts[write["key"]] += exchange.forwarded
    return counts


def _result_puts(exchanges: list[Exchange]) -> Counter[str]:
    """Per S3 key under ``results/``: whole-object puts (PutObject, CompleteMultipartUpload) acknowledged."""
    counts: Counter[str] = Counter()
    for exchange in exchanges:
        key, query = exchange.facts.get("key", ""), exchange.facts.get("query", "")
        whole = (exchange.operation == "PUT" and not query) or (exchange.operation == "POST" and "uploadId=" in query)
        if exchange.service == "s3" and whole and key.startswith(files.RESULTS) and exchange.acknowledged:
            counts[key] += 1
    return counts


def _param(job: Job, name: str) -> str | None:
    """A string parameter of the job (its ``params``, stored as JSON)."""
    try:
        params = json.loads(str(job.record.get("params", "{}")))
    except ValueError:
        return None
    value = params.get(name) if isinstance(params, dict) else None
    return value if isinstance(value, str) else None


def _result_keys(job: Job) -> set[str]:
    """The S3 keys a job's result may be stored at (``chalicelib.jobs.results``, the report kind)."""
    keys = {job_results.key_of(str(job.id))}
    upload_id = _param(job, "upload_id")
    if upload_id:
        keys.add(report.result_key(upload_id))
    return keys


def _redeliveries(exchanges: list[Exchange]) -> int:
    received = (m for e in exchanges if e.service == "sqs" for m in e.facts.get("received", []))
    return sum(1 for _, count in received if count > 1)


def _get(api: str, path: str, attempts: int = 5) -> dict[str, Any]:
    """A GET through the API, asked again when it fails under faults (a read: safe to repeat)."""
    for attempt in range(attempts):
        try:
            reply = call(api, "GET", path)
        except OSError:
            reply = None
        if reply is not None and reply.status == 200:
            return reply.body
        time.sleep(0.5 * (attempt + 1))
    raise RuntimeError(f"GET {path} failed {attempts} times")


def import_results(api: str, import_id: str) -> list[dict[str, Any]]:
    """Every row outcome of an import, page by page."""
    rows: list[dict[str, Any]] = []
    after: int | None = 0
    while after is not None:
        body = _get(api, f"/imports/{import_id}/results?after={after}&limit=1000")
        rows += body["results"]
        after = body.get("next_after")
    return rows


def import_counters(api: str, import_id: str) -> dict[str, Any]:
    """An import's status with its counters (``GET /imports/{id}``)."""
    return _get(api, f"/imports/{import_id}")


def counters_disagree(counters: dict[str, Any], outcomes: list[dict[str, Any]]) -> str | None:
    """How an import's counters differ from its row outcomes (None when they agree): ``rows_sent``
    counts the ok rows, ``rows_invalid + rows_failed`` the errors, ``rows_in`` both."""
    ok = sum(1 for row in outcomes if row.get("result") == "ok")
    errors = sum(1 for row in outcomes if row.get("result") == "error")
    sent, invalid, failed = (int(counters.get(name) or 0) for name in ("rows_sent", "rows_invalid", "rows_failed"))
    rows_in = int(counters.get("rows_in") or 0)
    if (sent, invalid + failed, rows_in) == (ok, errors, ok + errors):
        return None
    return (
        f"rows_sent {sent}, rows_invalid + rows_failed {invalid + failed}, rows_in {rows_in}; "
        f"results: {ok} ok, {errors} error"
    )


def _count_job(figures: Figures, job: Job) -> None:
    what = job.work.label
    figures.by_kind.setdefault(job.work.kind, Counter())[job.status] += 1
    if job.id is None:
        figures.rejected += 1
        figures.failures.append((what, "-", f"not accepted: {job.rejected}"))
        return
    figures.submitted += 1
    error = str(job.record.get("error") or "")
    if job.status == "succeeded":
        figures.succeeded += 1
    elif job.status == "failed":
        figures.failed_with_reason += bool(error)
        figures.failed_without_reason += not error
        figures.dead_lettered += error.startswith(GAVE_UP)
        figures.failures.append((what, job.id, error or "(no reason)"))
    else:
        figures.stuck += 1
        state = f"{job.status}, attempts {job.record.get('attempts', 0)}" + (f", last error: {error}" if error else "")
        figures.stuck_jobs.append((what, job.id, state))
    if job.work.kind != "import" and int(job.record.get("attempts", 0)) > 1:
        figures.jobs_retried += 1


def _row_histories(exchanges: list[Exchange], rows: set[tuple[str, int]]) -> dict[tuple[str, int], list[str]]:
    """The writes to each of ``rows`` that the proxy saw, in order: "PutItem 200", "UpdateItem 400 (500 after)"..."""
    histories: dict[tuple[str, int], list[str]] = {row: [] for row in rows}
    for exchange in sorted(exchanges, key=lambda e: e.at):
        for write in exchange.facts.get("writes", []) if exchange.service == "dynamodb" else []:
            row = (write["key"], write.get("line"))
            if row in histories:
                fault = f" ({exchange.fault.value})" if exchange.fault else ""
                histories[row].append(f"{exchange.operation} {exchange.status or 'not forwarded'}{fault}")
    return histories


def _lost_claims(exchanges: list[Exchange]) -> set[tuple[str, int]]:
    """(import id, line) of every row-claiming put that reached DynamoDB and whose answer was lost."""
    return {
        (write["key"], write["line"])
        for exchange in exchanges
        if exchange.service == "dynamodb"
        and exchange.operation == "PutItem"
        and exchange.status == 200
        and not exchange.acknowledged
        for write in exchange.facts.get("writes", [])
        if write.get("line") is not None
    }


def _count_rows(figures: Figures, api: str, job: Job, arrived: set[str], lost_claims: set[tuple[str, int]]) -> None:
    if job.work.kind != "import" or not job.id or not job.finished:
        return
    results = import_results(api, job.id)
    outcomes = {row["line"]: row for row in results}
    disagreement = counters_disagree(import_counters(api, job.id), results)
    if disagreement:
        figures.counters_off.append((job.id, disagreement))
    ledger_id = _param(job, "import_id") or job.id  # the rows' key: the import's id, not its job's
    unsent = [
        (ledger_id, line, str(outcomes[line].get("error", "")))
        for line, title in job.work.valid.items()
        if outcomes.get(line, {}).get("result") == "error" and title not in arrived
    ]
    figures.rows_never_sent += len(unsent)
    figures.rows_claim_lost += sum(1 for import_id, line, _ in unsent if (import_id, line) in lost_claims)
    figures.unsent += unsent
    missing = [line for line in job.work.lines if outcomes.get(line, {}).get("result") not in OUTCOMES]
    figures.rows += len(job.work.lines)
    figures.rows_lost += len(missing)
    figures.rows_unknown += sum(
        1 for row in results if row.get("outcome_unknown") is True or "outcome unknown" in str(row.get("error", ""))
    )
    if missing:
        figures.lost.append((job.id, missing))


def tally(
    api: str,
    jobs: list[Job],
    records: list[dict[str, Any]],
    exchanges: list[Exchange],
    posts: dict[str, Any],
    table: str,
    seconds: float,
    arrived: set[str] | None = None,
) -> Figures:
    """Every figure of the run, from the submitted ``jobs``, every job ``record`` in the table, the
    proxies' ``exchanges``, the posts API's ``stats`` and the titles that ``arrived`` there."""
    figures = Figures(seconds=seconds)
    known = {job.id for job in jobs}
    orphans = [record for record in records if record.get("id") not in known]
    figures.orphans = len(orphans)
    figures.orphans_unfinished = sum(1 for record in orphans if record.get("status") not in ("succeeded", "failed"))
    lost_claims = _lost_claims(exchanges)
    for job in jobs:
        _count_job(figures, job)
        _count_rows(figures, api, job, arrived or set(), lost_claims)
    figures.histories = _row_histories(exchanges, {(import_id, line) for import_id, line, _ in figures.unsent})
    writes, puts = _succeed_writes(exchanges, table), _result_puts(exchanges)
    for job in jobs:
        if job.id is None:
            continue
        twice_written = writes[job.id] > 1
        twice_put = any(puts[key] > 1 for key in _result_keys(job))
        figures.succeeded_seen += job.status == "succeeded" and writes[job.id] > 0
        figures.results_put += any(puts[key] > 0 for key in _result_keys(job))
        figures.succeeded_twice += twice_written
        figures.put_twice += twice_put
        figures.stored_twice += twice_written or twice_put
    figures.posts_created, figures.posts_twice = posts["created"], posts["duplicates"]
    figures.posts_late, figures.posts_dropped = posts["late"], posts["dropped"]
    figures.redeliveries = _redeliveries(exchanges)
    figures.duplicate_sends = sum(1 for e in exchanges if e.fault is Fault.DUPLICATE)
    for exchange in exchanges:
        figures.requests[exchange.service] = figures.requests.get(exchange.service, 0) + 1
        if exchange.fault is not None:
            figures.faults.setdefault(exchange.service, Counter())[exchange.fault] += 1
    return figures
