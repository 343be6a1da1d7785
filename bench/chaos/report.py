"""The chaos run's targets (the issue's "Must show") and the markdown of ``bench/chaos_results.md``.

A report, not a gate: a missed target is printed as FAIL and written down; ``make chaos`` ends
with exit code 0 (the test, tests/integration/test_chaos.py, is the gate).
"""

from __future__ import annotations

import os
import platform
from collections import Counter
from pathlib import Path

from bench.chaos.run import Outcome
from bench.targets import Target, section, table
from infra.local.faults import Fault, FaultRates

RESULTS = Path(__file__).resolve().parents[1] / "chaos_results.md"
MIN_SUCCESS = 0.95


def targets(outcome: Outcome) -> list[Target]:
    f = outcome.figures
    return [
        Target(
            "jobs stuck (unfinished at the deadline; records whose POST failed included)",
            f"{f.stuck} + {f.orphans_unfinished}",
            "0",
            f.stuck + f.orphans_unfinished == 0,
        ),
        Target("results stored twice (jobs)", str(f.stored_twice), "0", f.stored_twice == 0),
        Target("posts created twice at the API", str(f.posts_twice), "0", f.posts_twice == 0),
        Target("import rows lost (no outcome)", f"{f.rows_lost} of {f.rows}", "0", f.rows_lost == 0),
        Target(
            "jobs succeeded",
            f"{f.succeeded}/{f.submitted} ({100 * f.success_share:.0f} %)",
            f">= {100 * MIN_SUCCESS:.0f} %",
            f.success_share >= MIN_SUCCESS,
        ),
        Target("failed jobs without a reason", str(f.failed_without_reason), "0", f.failed_without_reason == 0),
    ]


def _header(outcome: Outcome) -> list[str]:
    plan = outcome.plan
    nproc = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    if not outcome.kills_supported:
        runner = "this runner **ignores LAMBDA_KILL_RATE**: no invocation was killed"
    elif outcome.invocations:
        runner = f"{outcome.killed} of {outcome.invocations} invocations killed, per the runner's log"
    else:
        runner = "the runner's log reports no invocations"
    return [
        "# Chaos results",
        "",
        f"- date: {outcome.started:%Y-%m-%d %H:%M:%S %z}; machine: nproc {nproc}, Python {platform.python_version()}",
        f"- seed: **{plan.seed}** (replay: `make chaos SEED={plan.seed} JOBS={plan.jobs}`); jobs: {plan.jobs} "
        f"({', '.join(f'{n} {kind}' for kind, n in plan.counts().items())})",
        f"- faults: {100 * plan.aws_rate:g} % of the requests to each AWS service (DynamoDB, SQS, S3) through "
        "`infra/local/chaos_proxy.py`, and as many SQS sends forwarded twice; posts API: "
        f"{100 * plan.late_rate:g} % of posts answered after {plan.hang:g} s (the client gives up at 2 s), "
        f"{100 * plan.drop_rate:g} % never answered (both created); runner: `LAMBDA_KILL_RATE={plan.kill_rate:g}` "
        f"({runner})",
        f"- stack: `JOBS_VISIBILITY_TIMEOUT={plan.visibility}`, `JOBS_MAX_RECEIVE_COUNT={plan.max_receives}`, "
        f"`IMPORT_SLICE_SECONDS={plan.slice_seconds}`, `LOCAL_SCHEDULE_SECONDS={plan.schedule_seconds}`, "
        f"`SWEEP_GRACE_SECONDS={plan.sweep_grace}`, "
        f"{plan.workers} invocations per queue; deadline {plan.deadline:g} s after the last submission",
        "",
    ]


def _figure_lines(outcome: Outcome) -> list[str]:
    f = outcome.figures
    rows = [
        ("jobs submitted (accepted) / not accepted", f"{f.submitted} / {f.rejected}"),
        ("succeeded", str(f.succeeded)),
        ("failed with a reason / without", f"{f.failed_with_reason} / {f.failed_without_reason}"),
        ("  of which failed by the dead-letter handler", str(f.dead_lettered)),
        ("stuck (not finished by the deadline)", str(f.stuck)),
        ("job records without an answered POST / of which unfinished", f"{f.orphans} / {f.orphans_unfinished}"),
        (
            "results stored twice (jobs)",
            f"{f.stored_twice} ({f.succeeded_twice} moved to succeeded twice, {f.put_twice} result objects put twice)",
        ),
        (
            "self-check: succeeded jobs whose succeeding write the proxy saw / jobs with a result object in S3",
            f"{f.succeeded_seen} of {f.succeeded} / {f.results_put}",
        ),
        ("posts created / answered late / never answered", f"{f.posts_created} / {f.posts_late} / {f.posts_dropped}"),
        ("posts created twice at the API", str(f.posts_twice)),
        ("import rows (finished imports) / lost / outcome unknown", f"{f.rows} / {f.rows_lost} / {f.rows_unknown}"),
        (
            "valid rows recorded as errors that never reached the posts API / of which their claim's answer was lost",
            f"{f.rows_never_sent} / {f.rows_claim_lost}",
        ),
        ("finished imports whose counters disagree with their rows", str(len(f.counters_off))),
        ("jobs claimed more than once (not imports)", str(f.jobs_retried)),
        ("messages redelivered / SQS sends duplicated", f"{f.redeliveries} / {f.duplicate_sends}"),
        (
            "invocations killed (LAMBDA_KILL_RATE) / all invocations (the runner's log)",
            f"{outcome.killed} / {outcome.invocations}",
        ),
        ("time: first submission to last job finished", f"{f.seconds:.1f} s"),
    ]
    lines = section("Figures", "| | |", "|---|---:|")
    lines += [f"| {name} | {value} |" for name, value in rows]
    return [*lines, ""]


def _fault_lines(outcome: Outcome) -> list[str]:
    f = outcome.figures
    kinds = [fault for fault, _ in FaultRates().ordered()] + [Fault.DUPLICATE]
    lines = section(
        "Faults injected (botocore's retries absorb most: standard mode, 5 attempts)",
        "| service | requests | " + " | ".join(kind.value for kind in kinds) + " |",
        "|---|---:|" + "---:|" * len(kinds),
    )
    for service, requests in sorted(f.requests.items()):
        counts = f.faults.get(service, Counter())
        lines.append(f"| {service} | {requests} | " + " | ".join(str(counts.get(kind, 0)) for kind in kinds) + " |")
    return [*lines, ""]


def _job_lines(outcome: Outcome) -> list[str]:
    f = outcome.figures
    lines = section("Jobs by kind", "| kind | statuses |", "|---|---|")
    lines += [
        f"| {kind} | {', '.join(f'{status} {n}' for status, n in sorted(statuses.items()))} |"
        for kind, statuses in sorted(f.by_kind.items())
    ]
    lines.append("")
    for title, entries in (("Failed jobs", f.failures), ("Stuck jobs", f.stuck_jobs)):
        if entries:
            lines += [f"## {title}", "", "| job | id | reason or state |", "|---|---|---|"]
            lines += [f"| {what} | `{job_id}` | {_cell(text)} |" for what, job_id, text in entries]
            lines.append("")
    if f.lost:
        lines += ["## Import rows without an outcome", "", "| import | lines |", "|---|---|"]
        lines += [f"| `{job_id}` | {', '.join(str(n) for n in lines_)} |" for job_id, lines_ in f.lost]
        lines.append("")
    if f.counters_off:
        lines += ["## Imports whose counters disagree with their rows", "", "| import | how |", "|---|---|"]
        lines += [f"| `{job_id}` | {how} |" for job_id, how in f.counters_off]
        lines.append("")
    if f.unsent:
        lines += [
            "## Valid rows recorded as errors, never sent",
            "",
            "| import (its rows' key) | line | error | its writes through the proxy |",
            "|---|---:|---|---|",
        ]
        lines += [
            f"| `{job_id}` | {line} | {_cell(error)} | {'; '.join(f.histories.get((job_id, line), []))} |"
            for job_id, line, error in f.unsent
        ]
        lines.append("")
    return lines


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")[:300]


def markdown(outcome: Outcome) -> str:
    sections = (_header, lambda o: table(targets(o)), _figure_lines, _fault_lines, _job_lines)
    return "\n".join(line for section in sections for line in section(outcome))
