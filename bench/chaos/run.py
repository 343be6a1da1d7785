"""One chaos run, start to finish: the stack, the workload, the wait, the tally."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from bench.chaos import workload
from bench.chaos.plan import Plan
from bench.chaos.stack import LOG_DIR, chaos_stack
from bench.chaos.tally import Figures, tally
from infra.local.fake_posts_api import title_of
from infra.local.stack import ROOT

RUNNER = ROOT / "infra" / "local" / "lambda_runner.py"


@dataclass(frozen=True)
class Outcome:
    plan: Plan
    started: datetime
    figures: Figures
    kills_supported: bool  # whether this runner reads LAMBDA_KILL_RATE at all
    killed: int  # invocations the runner's log says were killed by LAMBDA_KILL_RATE
    invocations: int  # invocations the runner's log reports (REPORT lines, errors, deaths)


def _invocations(log_dir: Path) -> tuple[int, int]:
    """Killed and all invocations, from the runner's log (its REPORT, "raised on" and "DIED on" lines)."""
    log = log_dir / "worker.log"
    lines = log.read_text(errors="replace").splitlines() if log.exists() else []
    ended = [line for line in lines if " REPORT " in line or " raised on " in line or " DIED on " in line]
    return sum(1 for line in ended if "injected kill" in line), len(ended)


def run(plan: Plan, log_dir: Path = LOG_DIR) -> Outcome:
    """Start the stack, submit every job, wait, count; the stack is stopped whatever happens.
    The processes' logs go to ``log_dir``."""
    started = datetime.now().astimezone()
    print(f"chaos run: seed {plan.seed} (replay with SEED={plan.seed}), {plan.jobs} jobs", flush=True)
    works = workload.works(plan)
    with chaos_stack(plan, log_dir) as stack:
        began = time.monotonic()
        jobs = [workload.submit(stack.api, work) for work in works]
        print(f"submitted {sum(1 for job in jobs if job.id)} of {len(jobs)} jobs; waiting...", flush=True)
        deadline = time.monotonic() + plan.deadline
        last = workload.wait(stack.dynamodb(), stack.settings.jobs_table, jobs, deadline, plan.settle)
        exchanges = [exchange for proxy in stack.proxies.values() for exchange in proxy.exchanges()]
        table = stack.settings.jobs_table
        records = workload.every_job(stack.dynamodb(), table)
        posts = dict(stack.posts.stats())
        arrived = {title_of(call["body"]) for call in stack.posts.calls()}
        figures = tally(stack.api, jobs, records, exchanges, posts, table, last - began, arrived)
    supported = "LAMBDA_KILL_RATE" in RUNNER.read_text()
    return Outcome(plan, started, figures, supported, *_invocations(log_dir))
