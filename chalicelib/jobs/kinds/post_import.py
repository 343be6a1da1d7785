"""Posts imports (seed 003) as a job kind: every row of an uploaded CSV sent to the posts API.

Rows go one at a time, in file order, each through the shared rate limiter. The job works in
slices of ``IMPORT_SLICE_SECONDS``: then it stops and continues in a new message, so no Lambda
runs for long, and a delivery after a crash (or a retry) resumes after the last row with an
outcome; rows a retry marked to be sent again (``ledger.RESEND``) are claimed on the way. Each
row's progress call is a checkpoint where a cancel stops the import (``worker``). A slice
also stops before a row whose worst case (``posts_api.ROW_SECONDS`` after its slot) would outrun
the invocation, and a row waits for its slot only as long as the invocation leaves.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

from pydantic import BeforeValidator

from chalicelib.aws import files
from chalicelib.config import get_settings
from chalicelib.errors import ContinueLater
from chalicelib.ids import Id
from chalicelib.imports import ledger, posts_api
from chalicelib.imports.limiter import RateLimiter
from chalicelib.imports.rows import Row, read_rows
from chalicelib.jobs import invocation
from chalicelib.jobs.kind import MAX_FILENAME, JobKind, KindParams, Params, Progress

LIMITER = "posts-api"
UNKNOWN = "the worker stopped during this row's request; the post may exist; not sent again"


def upload_key(import_id: str) -> str:
    return f"{files.IMPORTS}{import_id}.csv"


def _shortened(name: Any) -> str:
    """The uploaded file's name as given, cut to ``MAX_FILENAME`` characters: a long name names the
    job, it does not refuse the file."""
    return str(name)[:MAX_FILENAME]


class ImportParams(KindParams):
    import_id: Id
    filename: Annotated[str, BeforeValidator(_shortened)] = "posts.csv"


def _run(params: Params, progress: Progress) -> dict[str, int]:
    settings = get_settings()
    if not settings.posts_api_url:
        raise RuntimeError("POSTS_API_URL is not set: where should the rows go?")
    import_id = params["import_id"]
    limiter = RateLimiter(LIMITER, settings.posts_per_second)
    # A slice must end well within the message's visibility timeout (the job's lease), or another
    # worker would take the job over while this one still sends.
    slice_seconds = min(settings.import_slice_seconds, settings.visibility_timeout / 2)
    deadline = time.monotonic() + slice_seconds
    with tempfile.TemporaryDirectory(dir=settings.scratch_dir, prefix="import-") as scratch:
        path = Path(scratch) / "posts.csv"
        files.download(upload_key(import_id), path)
        total = _count(path)
        ledger.start(import_id, total)
        resume_at = ledger.last_line(import_id)
        again = ledger.to_resend(import_id)  # unknown rows a retry asked to send again
        sender = _Sender(settings.posts_api_url, limiter, settings.posts_max_wait)
        for done, row in enumerate(_rows(path), start=1):
            if row.line < resume_at and row.line not in again:
                continue
            left = invocation.remaining_seconds()
            if left < posts_api.ROW_SECONDS:  # the row's worst case would outrun the function
                raise ContinueLater(f"{left:.0f} s left in this invocation; {done - 1} of {total} rows")
            if _handle(import_id, row, sender):
                progress(done / max(total, 1))
                if time.monotonic() > deadline and done < total:
                    raise ContinueLater(f"slice of {slice_seconds:.0f} s used; {done} of {total} rows")
    return ledger.summary(import_id)


def _rows(path: Path) -> Iterator[Row]:
    """The file's rows, each valid or with its problem (``rows.read_rows``: only the header raises)."""
    with path.open("rb") as handle:
        yield from read_rows(handle)


def _count(path: Path) -> int:
    """The rows in the file: a whole pass before anything is sent, so a file that cannot be read
    fails the job before its first row goes out."""
    return sum(1 for _ in _rows(path))


class _Sender:
    """Sends posts one after another, each in the slot reserved when the previous one was answered."""

    def __init__(self, url: str, limiter: RateLimiter, max_wait: int) -> None:
        self.url, self.limiter, self.max_wait = url, limiter, max_wait
        self.next_slot: int | None = None

    def send(self, row: Row) -> posts_api.Outcome:
        slot, self.next_slot = self.next_slot, None
        outcome = posts_api.send(self.url, row.as_post(), self.limiter, max_wait=self.max_wait, reserved=slot)
        self.next_slot = outcome.next_slot
        return outcome


def _handle(import_id: str, row: Row, sender: _Sender) -> bool:
    """Send or record one row; False when an earlier delivery had already done it."""
    if row.problem:
        ledger.record(import_id, row, posts_api.ERROR, error=f"invalid: {row.problem}", invalid=True)
        return True
    claim = ledger.claim(import_id, row)
    if not claim.send:
        if claim.result == ledger.SENDING:
            ledger.record(import_id, row, posts_api.UNKNOWN, error=UNKNOWN)
            return True
        return False
    try:
        outcome = sender.send(row)
    except posts_api.NotSent:  # no request for it could have reached the API: it may go later
        ledger.unclaim(import_id, row)
        raise
    except posts_api.Unsent as exc:  # nor here; the AWS error behind it goes on to the worker
        ledger.unclaim(import_id, row)
        raise exc.__cause__ or exc from None
    ledger.record(import_id, row, outcome.result, post_id=outcome.post_id, error=outcome.error)
    return True


KIND = JobKind(
    name="import",
    run=_run,
    params=ImportParams,
    describe=lambda params: f"import of {params['filename']}",
    lane="imports",
    resend_unknown=lambda params: ledger.mark_for_resend(params["import_id"]),
)
