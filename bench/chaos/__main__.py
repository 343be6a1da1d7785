"""``python -m bench.chaos [--seed N] [--jobs N] ...`` (``make chaos SEED=... JOBS=...``): a mixed
workload under faults on a private local stack; the table goes to ``bench/chaos_results.md``."""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path

from bench.chaos.plan import Plan
from bench.chaos.report import RESULTS, markdown, targets
from bench.chaos.run import run
from bench.targets import publish


def _arguments() -> tuple[Plan, str]:
    defaults = Plan(seed=0)
    parser = argparse.ArgumentParser(prog="python -m bench.chaos", description=__doc__)
    parser.add_argument("--seed", type=int, default=None, help="the run's seed (default: a new one, printed)")
    parser.add_argument("--jobs", type=int, default=defaults.jobs, help=f"jobs to submit ({defaults.jobs})")
    parser.add_argument("--aws-rate", type=float, default=defaults.aws_rate, help="faults per AWS request")
    parser.add_argument("--late-rate", type=float, default=defaults.late_rate, help="posts answered late")
    parser.add_argument("--drop-rate", type=float, default=defaults.drop_rate, help="posts never answered")
    parser.add_argument("--kill-rate", type=float, default=defaults.kill_rate, help="LAMBDA_KILL_RATE")
    parser.add_argument("--deadline", type=float, default=defaults.deadline, help="seconds to wait for the jobs")
    parser.add_argument("--workers", type=int, default=defaults.workers, help="invocations per queue")
    parser.add_argument("--visibility", type=int, default=defaults.visibility, help="JOBS_VISIBILITY_TIMEOUT")
    parser.add_argument("--output", default=str(RESULTS), help=f"the markdown file ({RESULTS.name})")
    args = parser.parse_args()
    if args.jobs < 4:
        parser.error("--jobs must be at least 4 (one of each kind)")
    plan = Plan(
        seed=Plan.new_seed() if args.seed is None else args.seed,
        jobs=args.jobs,
        aws_rate=args.aws_rate,
        late_rate=args.late_rate,
        drop_rate=args.drop_rate,
        kill_rate=args.kill_rate,
        deadline=args.deadline,
        workers=args.workers,
        visibility=args.visibility,
    )
    return plan, str(args.output)


def main() -> None:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stop the stack on a plain kill too
    plan, output = _arguments()
    outcome = run(plan)
    publish(markdown(outcome), Path(output), targets(outcome))
    print(f"seed {plan.seed}: replay with `make chaos SEED={plan.seed} JOBS={plan.jobs}`")


if __name__ == "__main__":
    main()
