"""``python -m jobsvc``: the arguments, the environment, and what each command prints and returns.

Exit status: 0 done (the job succeeded); 1 the job failed or was cancelled; 2 the API, storage or
the network refused a step (its message printed, never a traceback), or bad arguments; 130 Ctrl-C.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from jobsvc import imports, jobs, reports
from jobsvc.client import Api, ApiError

DEFAULT_API = "http://127.0.0.1:8000"
KINDS = ("metric", "calculation", "report", "import")
STATUSES = ("queued", "running", "succeeded", "failed", "cancelled")
OK, FAILED, REFUSED, INTERRUPTED = 0, 1, 2, 130
EPILOG = """environment:
  JOBSVC_API      the API's base URL when --api is not given (default http://127.0.0.1:8000)
  JOBSVC_API_KEY  the API key (x-api-key) when --api-key is not given: every route that reads or
                  changes data needs it in the deployed stages, and locally where LOCAL_API_KEY is set

exit status: 0 done, 1 the job failed or was cancelled, 2 refused (the API's message is printed)"""


def parser(environ: Mapping[str, str]) -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="python -m jobsvc",
        description="List, follow, cancel and retry the job service's jobs; run a report or an import.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    top.add_argument("--api", default=environ.get("JOBSVC_API") or DEFAULT_API, help="the API's base URL")
    top.add_argument("--api-key", default=environ.get("JOBSVC_API_KEY") or None, help="the API key (x-api-key)")
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")

    ls = commands.add_parser("ls", help="jobs of every kind, newest first")
    ls.add_argument("--kind", choices=KINDS)
    ls.add_argument("--status", choices=STATUSES)
    ls.add_argument("--limit", type=int, help="jobs a page (1..200; the API's default 50)")
    ls.add_argument("--cursor", help="the page after this one (a next_cursor)")
    ls.add_argument("--all", action="store_true", help="follow next_cursor to the last page")
    ls.add_argument("--json", action="store_true", help="one JSON object a line")

    show = commands.add_parser("show", help="one job: its fields, parameters, counters, earlier runs")
    show.add_argument("id")
    show.add_argument("--json", action="store_true", help="the API's answers as JSON")

    watch = commands.add_parser("watch", help="a progress bar until the job finished")
    watch.add_argument("id")
    watch.add_argument("--timeout", type=float, help="give up after this many seconds (default: never)")

    cancel = commands.add_parser("cancel", help="cancel a job: at once if queued, at its next checkpoint if running")
    cancel.add_argument("id")

    retry = commands.add_parser("retry", help="run a failed or cancelled job again (an import resumes)")
    retry.add_argument("id")
    retry.add_argument(
        "--resend-unknown",
        action="store_true",
        help="an import also sends again the rows whose outcome is unknown (their posts may exist already)",
    )

    report = commands.add_parser("report", help="a plays CSV (any size) through /reports; the totals to --out")
    report.add_argument("file", type=Path, help="a CSV file: Song,Date,Number of Plays")
    report.add_argument("--out", type=Path, help="where to write the totals (default: FILE.totals.csv)")
    report.add_argument("--timeout", type=float, default=3600, help="seconds to wait for the report")

    post = commands.add_parser("import", help="a posts CSV (at most 5 MB) through /imports; its failed rows")
    post.add_argument("file", type=Path, help="a CSV file: userId,title,body")
    post.add_argument("--timeout", type=float, help="give up after this many seconds (default: never)")
    return top


def run(args: argparse.Namespace, api: Api) -> tuple[int, list[str]]:
    """The command's exit status and the lines it prints on stdout."""
    command: Callable[[], tuple[int, list[str]]] = {
        "ls": lambda: (OK, jobs.ls(api, query(args), args.all, args.json)),
        "show": lambda: (OK, jobs.show(api, args.id, args.json)),
        "watch": lambda: _finished(*jobs.watch(api, args.id, args.timeout)),
        "cancel": lambda: (OK, jobs.cancel(api, args.id)),
        "retry": lambda: (OK, jobs.retry(api, args.id, args.resend_unknown)),
        "report": lambda: _status(*reports.round_trip(api, args.file, _out(args), args.timeout)),
        "import": lambda: _status(*imports.run(api, args.file, args.timeout)),
    }[args.command]
    return command()


def query(args: argparse.Namespace) -> dict[str, object]:
    return {"kind": args.kind, "status": args.status, "limit": args.limit, "cursor": args.cursor}


def _finished(job: dict[str, object], lines: list[str]) -> tuple[int, list[str]]:
    return _status(job.get("status") == "succeeded", lines)


def _status(succeeded: bool, lines: list[str]) -> tuple[int, list[str]]:
    return (OK if succeeded else FAILED), lines


def _out(args: argparse.Namespace) -> Path:
    return Path(args.out or args.file.with_name(f"{args.file.name}.totals.csv"))


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    top = parser(os.environ if environ is None else environ)
    args = top.parse_args(argv)
    if args.command in ("report", "import") and not args.file.is_file():
        top.error(f"{args.file}: no such file")
    try:
        status, lines = run(args, Api(args.api, args.api_key))
    except ApiError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return REFUSED
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return INTERRUPTED
    for line in lines:
        print(line)
    return status
