"""Play-count reports (seed 004): the aggregation's time and peak memory, and the round trip via the API.

Why: a report must aggregate files larger than memory inside a small worker (the target: the
whole process within 256 MiB of RSS, as a 256 MB Lambda) and not be much slower than DuckDB left
to its own devices (the target: at most 2x the time of a plain ``GROUP BY`` with default settings).

Each aggregation runs in a fresh child interpreter (``python -c``) so that its peak RSS is its own:
the child reports its ``VmHWM`` (the high-water mark of its resident memory, interpreter and DuckDB
library included) when the call returns or fails. The child times only the call. Runs that fail (DuckDB's
out-of-memory error) are recorded with their error, not raised. When ``memory_mb=256`` does not
keep the child within 256 MiB, smaller settings are tried (and, when 256 fails, larger ones, to
find the smallest that works). Inputs come from ``infra.plays_data`` into a scratch folder.

On the local stack: the presigned PUT and GET rates through moto, and one report end to end
(upload, ``POST /reports``, polling, download) with the client's own functions.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import requests

from chalicelib.aws import files
from chalicelib.config import get_settings
from chalicelib.jobs.kinds.report import upload_key
from infra import plays_data
from infra.local.stack import ROOT
from jobsvc import reports as report_client
from jobsvc.client import Api

MB = 10**6  # input sizes and rates: decimal, as disks and networks count
MIB = 1 << 20  # memory: binary, as Lambda and DuckDB count
RSS_LIMIT_MIB = 256
MEMORY_MB = 256
THREADS = 2
SONGS, DAYS = 20_000, 365
SMALLER_MEMORY_MB = (192, 160, 128, 96, 64)
LARGER_MEMORY_MB = (320, 384, 512, 768, 1024)
REPORT_TIMEOUT_SECONDS = 1800.0

# The children: each snippet defines ``work(*argv)``; _RUNNER times it and reports the child's own peak
# RSS (VmHWM of its address space; ``ru_maxrss`` would not do: on Linux a child started with
# vfork/fork + exec inherits its parent's high-water mark, and the benchmark's parent is large).
# The answer follows a marker on its own line: DuckDB draws its progress bar on stdout too.
_MARKER = "@@bench-child-answer@@ "
_RUNNER = (
    f"\nMARKER = {_MARKER!r}\n"
    + """
import json, sys, time

def _peak_mib():
    with open("/proc/self/status") as status:
        return next((int(line.split()[1]) / 1024 for line in status if line.startswith("VmHWM:")), 0.0)

started = time.perf_counter()
try:
    answer = work(*sys.argv[1:])
except Exception as exc:
    lines = str(exc).strip().splitlines()
    answer = {"error": f"{type(exc).__name__}: {lines[0] if lines else ''}"[:300]}
answer.update(seconds=time.perf_counter() - started, peak_mib=_peak_mib())
print("\\n" + MARKER + json.dumps(answer))
"""
)

_AGGREGATE = """
from pathlib import Path
from chalicelib.reports.aggregate import aggregate

def work(source, target, temp_dir, memory_mb, threads):
    return aggregate(
        Path(source), Path(target), memory_mb=int(memory_mb), temp_dir=Path(temp_dir), threads=int(threads)
    ).as_dict()
"""

_DUCKDB = """
import duckdb

def work(source, target, threads):
    source, target = (path.replace("'", "''") for path in (source, target))
    with duckdb.connect(config={"threads": int(threads)}) as db:
        plays = '"Number of Plays"'
        query = f"SELECT Song, Date, sum({plays}) FROM read_csv('{source}') GROUP BY ALL"
        written = db.execute(f"COPY ({query}) TO '{target}'").fetchone()
    return {"pairs": written[0] if written else None}
"""

_BASELINE = """
import duckdb
from chalicelib.reports import aggregate

def work():
    with duckdb.connect(":memory:", config={"memory_limit": "256MB", "threads": 2}) as db:
        db.execute("SELECT 1").fetchall()
    return {}
"""


@dataclass(frozen=True)
class PlaysInput:
    """A generated input file and how long generating it took."""

    label: str
    path: Path
    rows: int
    bytes: int
    seconds: float


@dataclass(frozen=True)
class ChildRun:
    """One aggregation in a child process."""

    input: str
    tool: str  # "aggregate", "DuckDB default" or "baseline"
    memory_mb: int | None
    input_bytes: int
    seconds: float  # inside the child, around the call
    peak_rss_mib: float
    pairs: int | None
    rows_in: int | None
    error: str | None

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def fits(self) -> bool:
        return self.ok and self.peak_rss_mib <= RSS_LIMIT_MIB

    @property
    def mb_per_s(self) -> float:
        return self.input_bytes / MB / self.seconds if self.seconds else 0.0


@dataclass(frozen=True)
class Agreement:
    """Whether our totals equal DuckDB's (count, sum and an order-free checksum of the rows)."""

    input: str
    same: bool
    detail: str


@dataclass(frozen=True)
class Transfer:
    what: str
    bytes: int
    seconds: float

    @property
    def mb_per_s(self) -> float:
        return self.bytes / MB / self.seconds


@dataclass(frozen=True)
class EndToEnd:
    """One report through the API: the phases a client sees, and the report's own figures."""

    input: str
    status: str
    total_seconds: float
    upload_seconds: float
    report_seconds: float  # POST /reports -> finished seen (polled every 0.5 s)
    download: Transfer | None
    job_duration: float | None
    pairs: int | None
    error: str | None


@dataclass(frozen=True)
class StackResult:
    available: bool
    note: str
    report_memory_mb: int
    end_to_end: EndToEnd | None = None
    put: Transfer | None = None
    get: Transfer | None = None


def make_input(folder: Path, label: str, size: int) -> PlaysInput:
    started = time.perf_counter()
    made = plays_data.generate(
        folder / f"plays-{label.replace(' ', '')}.csv", target_bytes=size, songs=SONGS, days=DAYS
    )
    seconds = time.perf_counter() - started
    print(f"  {label}: {made.rows:,} rows, {made.bytes:,} bytes generated in {seconds:.1f} s")
    return PlaysInput(label, made.path, made.rows, made.bytes, seconds)


def _last_line(path: Path) -> str:
    lines = path.read_text(errors="replace").strip().splitlines()
    return lines[-1] if lines else ""


def run_child(code: str, arguments: list[str], scratch: Path) -> tuple[dict[str, object], float, str | None]:
    """Run ``python -c code + _RUNNER``: its answer, its peak RSS in MiB, its error (None when it succeeded)."""
    out, err = scratch / "child.out", scratch / "child.err"
    with out.open("wb") as stdout, err.open("wb") as stderr:
        returncode = subprocess.call(
            [sys.executable, "-c", code + _RUNNER, *arguments], stdout=stdout, stderr=stderr, cwd=ROOT
        )
    text = out.read_text(errors="replace")
    try:
        answer = json.loads(text.rsplit(_MARKER, 1)[1]) if _MARKER in text else None
    except ValueError:
        answer = None
    if not isinstance(answer, dict):
        return {}, 0.0, f"exit code {returncode}, no answer: {_last_line(err)[:300]}"
    error = answer.get("error")
    return answer, _float(answer.get("peak_mib")), str(error) if error else None


def _int_or_none(value: object) -> int | None:
    return int(value) if isinstance(value, int | float) else None


def _float(value: object) -> float:
    return float(value) if isinstance(value, int | float) else 0.0


def run_aggregate(source: PlaysInput, target: Path, memory_mb: int, scratch: Path) -> ChildRun:
    spill = scratch / "spill"
    try:
        arguments = [str(source.path), str(target), str(spill), str(memory_mb), str(THREADS)]
        answer, peak, error = run_child(_AGGREGATE, arguments, scratch)
    finally:
        shutil.rmtree(spill, ignore_errors=True)
    run = ChildRun(
        source.label,
        "aggregate",
        memory_mb,
        source.bytes,
        _float(answer.get("seconds")),
        peak,
        _int_or_none(answer.get("pairs")),
        _int_or_none(answer.get("rows_in")),
        error,
    )
    _print_run(run)
    return run


def run_duckdb(source: PlaysInput, target: Path, scratch: Path) -> ChildRun:
    answer, peak, error = run_child(_DUCKDB, [str(source.path), str(target), str(THREADS)], scratch)
    pairs = _int_or_none(answer.get("pairs"))
    run = ChildRun(
        source.label, "DuckDB default", None, source.bytes, _float(answer.get("seconds")), peak, pairs, None, error
    )
    _print_run(run)
    return run


def run_baseline(scratch: Path) -> ChildRun:
    """The floor: a child that imports DuckDB and the aggregation module and opens a connection."""
    answer, peak, error = run_child(_BASELINE, [], scratch)
    run = ChildRun("none", "baseline", None, 0, _float(answer.get("seconds")), peak, None, None, error)
    print(f"  baseline child (python + duckdb + a connection): peak RSS {peak:.0f} MiB")
    return run


def _print_run(run: ChildRun) -> None:
    setting = f"memory_mb={run.memory_mb}" if run.memory_mb else "defaults"
    if run.ok:
        print(
            f"  {run.input} {run.tool} ({setting}): {run.seconds:.1f} s, {run.mb_per_s:.0f} MB/s, "
            f"peak RSS {run.peak_rss_mib:.0f} MiB, {run.pairs:,} pairs"
        )
    else:
        print(
            f"  {run.input} {run.tool} ({setting}): FAILED after {run.seconds:.1f} s, peak RSS "
            f"{run.peak_rss_mib:.0f} MiB: {run.error}"
        )


def memory_sweep(source: PlaysInput, first: ChildRun, target: Path, scratch: Path) -> list[ChildRun]:
    """Smaller settings until one keeps the child within the limit; larger ones until one works, if 256 failed.

    Each run overwrites ``target``: after the sweep it holds the last run's totals (if it succeeded).
    """
    runs: list[ChildRun] = []
    if not first.fits:
        for memory_mb in SMALLER_MEMORY_MB:
            runs.append(run_aggregate(source, target, memory_mb, scratch))
            if runs[-1].fits:
                break
    if not first.ok:
        for memory_mb in LARGER_MEMORY_MB:
            runs.append(run_aggregate(source, target, memory_mb, scratch))
            if runs[-1].ok:
                break
    return runs


_FINGERPRINT = """
    SELECT count(*), sum(total), sum(hash(song, day, total))
    FROM read_csv(?, header = true, auto_detect = false, quote = '"', escape = '"',
                  columns = {'song': 'VARCHAR', 'day': 'VARCHAR', 'total': 'HUGEINT'})
"""


def compare(label: str, ours: Path, reference: Path) -> Agreement:
    """Our totals against DuckDB's: same number of rows, same sum, same checksum of (song, date, total)."""
    with duckdb.connect(config={"threads": THREADS}) as db:
        mine = db.execute(_FINGERPRINT, [str(ours)]).fetchone()
        theirs = db.execute(_FINGERPRINT, [str(reference)]).fetchone()
    same = mine is not None and mine == theirs
    rows, total = (mine[0], mine[1]) if mine else (0, 0)
    detail = f"{rows:,} rows, {total:,} plays" if same else f"ours {mine}, DuckDB {theirs}"
    return Agreement(label, same, detail)


def _transfer_put(api: str, source: PlaysInput) -> tuple[str, Transfer]:
    upload = report_client.request_upload(Api(api), source.bytes, source.path.name)
    seconds = report_client.put_file(upload, source.path, source.bytes)
    return str(upload["upload_id"]), Transfer(f"presigned PUT, {source.label}", source.bytes, seconds)


def _transfer_get(what: str, url: str, scratch: Path) -> Transfer:
    target = scratch / "downloaded.csv"
    try:
        written, seconds = report_client.download(url, target)
    finally:
        target.unlink(missing_ok=True)
    return Transfer(what, written, seconds)


def end_to_end(api: str, source: PlaysInput, scratch: Path) -> EndToEnd:
    """Upload, ``POST /reports``, poll until finished, download the totals: a client's whole wait."""
    started = time.perf_counter()
    upload_id, put = _transfer_put(api, source)
    submitted = time.perf_counter()
    report = report_client.wait(Api(api), report_client.submit(Api(api), upload_id), REPORT_TIMEOUT_SECONDS)
    report_seconds = time.perf_counter() - submitted
    download = None
    if report.get("status") == "succeeded" and report.get("result_url"):
        download = _transfer_get(f"GET result_url ({source.label} report)", str(report["result_url"]), scratch)
    return EndToEnd(
        source.label,
        str(report.get("status")),
        time.perf_counter() - started,
        put.seconds,
        report_seconds,
        download,
        float(report["duration"]) if isinstance(report.get("duration"), int | float) else None,
        _int_or_none(report.get("pairs")),
        None if report.get("status") == "succeeded" else str(report.get("error") or report.get("errors")),
    )


def reports_api_missing(api: str) -> str | None:
    """Why the stack cannot run reports (``POST /reports/uploads`` is not there), or None."""
    try:
        reply = requests.post(f"{api}/reports/uploads", json={"size": 1, "filename": "probe.csv"}, timeout=30)
    except requests.RequestException as exc:
        return f"POST /reports/uploads: {exc}"
    if reply.status_code != 201:
        return f"POST /reports/uploads answered HTTP {reply.status_code}: {reply.text[:200]}"
    return None


def measure_stack(api: str, small: PlaysInput, large: PlaysInput) -> StackResult:
    """End to end with ``small``, then the PUT and GET rates of ``large`` through moto."""
    memory_mb = get_settings().report_memory_mb
    missing = reports_api_missing(api)
    if missing:
        print(f"  SKIPPED: the reports API is not available: {missing}")
        return StackResult(False, f"skipped: the reports API is not available ({missing})", memory_mb)
    with tempfile.TemporaryDirectory(prefix="jobsvc-bench-reports-get-") as folder:
        print(f"  one report end to end, {small.label} (worker REPORT_MEMORY_MB={memory_mb})...")
        whole = end_to_end(api, small, Path(folder))
        print(f"  -> {whole.status} in {whole.total_seconds:.1f} s{f': {whole.error}' if whole.error else ''}")
        print(f"  presigned PUT then GET of {large.label}...")
        upload_id, put = _transfer_put(api, large)
        url = files.download_url(upload_key(upload_id), large.path.name)
        get = _transfer_get(f"presigned GET, {large.label}", url, Path(folder))
    return StackResult(True, "", memory_mb, whole, put, get)
