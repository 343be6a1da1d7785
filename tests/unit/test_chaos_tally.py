"""The chaos run counts what it claims to: writes stored twice, rows without an outcome, hostile
rows of every kind, and the files it submits."""

from __future__ import annotations

import csv
import io
import random
from typing import Any

import pytest

from bench.chaos import tally as tally_module
from bench.chaos.plan import Plan
from bench.chaos.report import markdown, targets
from bench.chaos.run import Outcome
from bench.chaos.tally import Figures, tally
from bench.chaos.workload import HOSTILE, Job, Work, hostile_rows, import_file, works
from infra.local.chaos_proxy import Exchange
from infra.local.faults import Fault

TABLE = "jobsvc-local-jobs"
POSTS = {"created": 0, "duplicates": 0, "late": 0, "dropped": 0}


def _succeed_write(job_id: str, status: int | None = 200, fault: Fault | None = None) -> Exchange:
    writes = [{"table": TABLE, "key": job_id, "status": "succeeded"}]
    return Exchange(0.0, "dynamodb", "UpdateItem", "/", fault, 1 if status else 0, status, {"writes": writes})


def _put(key: str, fault: Fault | None = None, query: str = "") -> Exchange:
    return Exchange(0.0, "s3", "PUT", f"/bucket/{key}", fault, 1, 200, {"key": key, "query": query})


def _job(job_id: str, kind: str = "metric", status: str = "succeeded", **record: Any) -> Job:
    return Job(Work(kind, kind, "/x"), id=job_id, record={"id": job_id, "status": status, **record})


def _tally(
    jobs: list[Job],
    exchanges: list[Exchange],
    records: list[dict[str, Any]] | None = None,
    arrived: set[str] | None = None,
) -> Figures:
    records = [job.record for job in jobs] if records is None else records
    return tally("http://api", jobs, records, exchanges, POSTS, TABLE, 1.0, arrived)


def test_a_job_moved_to_succeeded_twice_is_stored_twice() -> None:
    jobs = [_job("a"), _job("b")]
    exchanges = [
        _succeed_write("a"),
        _succeed_write("a", status=400),  # a fenced retry refused by DynamoDB: not a write
        _succeed_write("b"),
        _succeed_write("b", fault=Fault.ERROR_AFTER),  # reached DynamoDB although its answer was lost
    ]
    figures = _tally([*jobs, _job("c")], exchanges)
    assert (figures.stored_twice, figures.succeeded_twice, figures.put_twice) == (1, 1, 0)
    assert (figures.succeeded_seen, figures.succeeded) == (2, 3)  # c's write was never seen


def test_a_result_object_put_twice_counts_only_puts_the_app_saw_succeed() -> None:
    jobs = [_job("a"), _job("b"), _job("r", kind="report", params='{"upload_id": "u1"}')]
    exchanges = [
        _put("results/a.json", fault=Fault.RESET_AFTER),  # botocore re-sends this very request
        _put("results/a.json"),
        _put("results/b.json"),
        _put("results/b.json"),  # a second attempt computed and stored it again
        _put("results/u1.totals.csv", query="partNumber=1&uploadId=x"),  # a part, not an object
        _put("results/u1.totals.csv"),
        _put("uploads/u1.csv"),
        _put("uploads/u1.csv"),
    ]
    figures = _tally(jobs, exchanges)
    assert (figures.stored_twice, figures.put_twice, figures.results_put) == (1, 1, 3)


def test_jobs_are_counted_by_outcome_and_stuck_ones_listed() -> None:
    jobs = [
        _job("a"),
        _job("b", status="failed", error="HTTP 500 from somewhere"),
        _job("c", status="failed"),
        _job("d", status="running", attempts=2),
        _job("e", status="failed", error="gave up: its message was delivered 3 times without finishing"),
        Job(Work("metric", "metric", "/launch"), rejected="HTTP 503"),
    ]
    figures = _tally(jobs, [])
    assert (figures.submitted, figures.rejected, figures.succeeded) == (5, 1, 1)
    assert (figures.failed_with_reason, figures.failed_without_reason, figures.dead_lettered) == (2, 1, 1)
    assert (figures.stuck, figures.jobs_retried) == (1, 1)
    assert [entry[1] for entry in figures.stuck_jobs] == ["d"]


def test_job_records_the_client_never_got_an_id_for_are_counted() -> None:
    jobs = [_job("a")]
    records = [job.record for job in jobs] + [{"id": "x", "status": "queued"}, {"id": "y", "status": "failed"}]
    figures = _tally(jobs, [], records)
    assert (figures.orphans, figures.orphans_unfinished) == (2, 1)


def test_a_row_without_an_outcome_is_lost(monkeypatch: pytest.MonkeyPatch) -> None:
    answers = {
        "i1": [{"line": 2, "result": "ok"}, {"line": 3, "result": "error", "error": "invalid: userId"}],
        "i2": [{"line": 2, "result": "sending"}],
    }
    monkeypatch.setattr(tally_module, "import_results", lambda api, import_id: answers[import_id])
    counters = {"i1": {"rows_in": 2, "rows_sent": 1, "rows_failed": 0, "rows_invalid": 1}, "i2": {}}
    monkeypatch.setattr(tally_module, "import_counters", lambda api, import_id: counters[import_id])
    jobs = [
        Job(Work("import", "import", "/imports", lines=(2, 3)), id="i1", record={"status": "succeeded"}),
        Job(Work("import", "import", "/imports", lines=(2, 3, 4)), id="i2", record={"status": "failed", "error": "x"}),
        Job(Work("import", "import", "/imports", lines=(2,)), id="i3", record={"status": "running"}),
    ]
    figures = _tally(jobs, [])
    assert (figures.rows, figures.rows_lost, figures.lost) == (5, 3, [("i2", [2, 3, 4])])


def test_redeliveries_and_duplicate_sends_are_counted() -> None:
    received = {"received": [["{}", 1], ["{}", 2], ["{}", 3]]}
    exchanges = [
        Exchange(0.0, "sqs", "ReceiveMessage", "/", None, 1, 200, received),
        Exchange(0.0, "sqs", "SendMessage", "/", Fault.DUPLICATE, 2, 200, {"sent": ["{}"]}),
        Exchange(0.0, "sqs", "SendMessage", "/", Fault.THROTTLE, 0, None, {"sent": ["{}"]}),
    ]
    figures = _tally([], exchanges)
    assert (figures.redeliveries, figures.duplicate_sends) == (2, 1)
    assert figures.requests == {"sqs": 3}
    assert figures.faults == {"sqs": {Fault.DUPLICATE: 1, Fault.THROTTLE: 1}}


@pytest.mark.parametrize("imports", [3, 4, 7, 10, 20])
def test_every_hostile_kind_is_in_every_run_of_three_imports_or_more(imports: int) -> None:
    dealt = {row[0] for n in range(imports) for row in hostile_rows(n, imports)}
    assert dealt == {row[0] for row in HOSTILE}
    assert all(1 <= len(hostile_rows(n, imports)) <= 3 for n in range(imports))


def test_an_import_file_has_a_line_per_row_and_unique_titles() -> None:
    content, lines, valid = import_file(5, 2, 8, list(HOSTILE[:3]), random.Random(1))
    rows = list(csv.reader(io.StringIO(content.decode())))
    assert rows[0] == ["userId", "title", "body"]
    assert lines == tuple(range(2, 13))
    assert len(rows) == 12
    assert {"--5", "²", "\uff11"} <= {row[0] for row in rows[1:]}
    titles = [row[1] for row in rows[1:]]
    assert len(set(titles)) == len(titles)
    assert len(valid) == 8
    assert all(rows[line - 1][1] == title for line, title in valid.items())


def test_the_workload_has_every_kind_in_the_plans_counts() -> None:
    plan = Plan(seed=3, jobs=12)
    kinds = [work.kind for work in works(plan)]
    assert {kind: kinds.count(kind) for kind in set(kinds)} == plan.counts()
    assert sum(plan.counts().values()) == 12


def test_the_report_passes_and_fails_each_target() -> None:
    from datetime import datetime

    figures = _tally([_job("a"), _job("b", status="running")], [_succeed_write("a")])
    outcome = Outcome(Plan(seed=9, jobs=4), datetime.now().astimezone(), figures, False, 0, 0)
    verdicts = {target.name: target.passed for target in targets(outcome)}
    assert verdicts["jobs stuck (unfinished at the deadline; records whose POST failed included)"] is False
    assert verdicts["results stored twice (jobs)"] is True
    assert verdicts["jobs succeeded"] is False
    text = markdown(outcome)
    assert "seed: **9**" in text
    assert "ignores LAMBDA_KILL_RATE" in text


def test_a_valid_row_given_up_without_being_sent_is_counted(monkeypatch: pytest.MonkeyPatch) -> None:
    answers = [
        {"line": 2, "result": "ok"},
        {"line": 3, "result": "error", "error": "outcome unknown"},  # never arrived: given up unsent
        {"line": 4, "result": "error", "error": "no answer within 2 s"},  # arrived: a real unknown
        {"line": 5, "result": "error", "error": "invalid: userId"},  # not a valid row
    ]
    monkeypatch.setattr(tally_module, "import_results", lambda api, import_id: answers)
    monkeypatch.setattr(tally_module, "import_counters", lambda api, import_id: {})
    work = Work("import", "import", "/imports", lines=(2, 3, 4, 5), valid={2: "t2", 3: "t3", 4: "t4"})
    job = Job(work, id="job", record={"status": "succeeded", "params": '{"import_id": "i"}'})
    figures = _tally([job], [], arrived={"t2", "t4"})
    assert (figures.rows_lost, figures.rows_never_sent, figures.rows_claim_lost) == (0, 1, 0)
    assert figures.unsent == [("i", 3, "outcome unknown")]
    claim = {"writes": [{"table": "rows", "key": "i", "line": 3, "status": None}]}
    lost = Exchange(0.0, "dynamodb", "PutItem", "/", Fault.RESET_AFTER, 1, 200, claim)
    with_lost = _tally([job], [lost], arrived={"t2", "t4"})
    assert with_lost.rows_claim_lost == 1
    assert with_lost.histories == {("i", 3): ["PutItem 200 (reset after)"]}
    refused = Exchange(0.0, "dynamodb", "PutItem", "/", None, 1, 400, claim)  # another's claim held
    assert _tally([job], [refused], arrived={"t2", "t4"}).rows_claim_lost == 0


def test_counters_that_disagree_with_the_rows_are_reported() -> None:
    rows = [{"result": "ok"}, {"result": "ok"}, {"result": "error"}]
    agreeing = {"rows_in": 3, "rows_sent": 2, "rows_failed": 1, "rows_invalid": 0}
    assert tally_module.counters_disagree(agreeing, rows) is None
    short = {"rows_in": 2, "rows_sent": 1, "rows_failed": 1, "rows_invalid": 0}  # a row recorded, not counted
    assert tally_module.counters_disagree(short, rows) == (
        "rows_sent 1, rows_invalid + rows_failed 1, rows_in 2; results: 2 ok, 1 error"
    )
