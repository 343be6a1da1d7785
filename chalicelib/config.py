"""Settings, read once from the environment (12-factor).

Every resource name derives from ``RESOURCE_PREFIX`` (one per stage), so the same code
runs against DynamoDB Local + moto, LocalStack, or AWS. Where AWS is comes from the
standard ``AWS_ENDPOINT_URL*`` variables, which boto3 and PynamoDB read themselves.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

# Job queues, one per lane: a kind of job declares its lane (``JobKind.lane``) and each lane has its
# queue and handler, so jobs that mostly wait (imports, on the posts API's rate limit) never take
# the workers of the others. Both redrive to the one dead-letter queue.
JOBS_LANE = "jobs"
IMPORTS_LANE = "imports"
LANES = (JOBS_LANE, IMPORTS_LANE)


@dataclass(frozen=True)
class Settings:
    """Names and limits of one deployment stage."""

    stage: str
    prefix: str
    region: str
    max_receive_count: int
    visibility_timeout: int
    # The memory budget of a play-count report's aggregation, in MB (the whole worker stays near it).
    report_memory_mb: int
    # Where workers keep a report's input, output and spill files (Lambda: /tmp, up to 10 GB).
    scratch_dir: str
    # The third-party posts API (imports send rows to POST {posts_api_url}/posts).
    posts_api_url: str
    posts_per_second: int
    # A job slice: an import stops after this many seconds and continues in a new message.
    import_slice_seconds: int
    # Longer than this before the next rate-limit slot: re-queue instead of waiting.
    posts_max_wait: int
    # Jobs and their import rows are deleted by DynamoDB's time to live this many days after their
    # creation; their files in S3 by the bucket's lifecycle (infra/resources.py).
    retention_days: int = 30
    # The sweeper (a scheduled Lambda, every ``sweep_minutes``) sends a job's message again when the
    # job is still queued this many seconds after it was queued (or released, or its slice's
    # delay ended), or still running this long after its lease ended: its message must be lost.
    # It must exceed the visibility timeout, so that a redelivery, not the sweeper, comes first.
    sweep_grace_seconds: int = 600
    # Messages sent again for one slice of a job before the sweeper fails it with a reason.
    sweep_max_resends: int = 3
    sweep_minutes: int = 5
    # Every route that reads or changes data needs an API key (``x-api-key``; chalicelib/access.py):
    # on in the deployed stages, where API Gateway checks it. Read when the app is built, so
    # ``chalice package``/``deploy`` see the stage's value.
    api_key_required: bool = False
    # The key the app itself asks for where nothing else checks keys (``chalice local``): empty, none.
    local_api_key: str = ""

    @property
    def jobs_table(self) -> str:
        return f"{self.prefix}-jobs"

    @property
    def datasets_table(self) -> str:
        """Load state of each records table (progress, day buckets)."""
        return f"{self.prefix}-datasets"

    def records_table(self, name: str) -> str:
        return f"{self.prefix}-{name}"

    @property
    def limits_table(self) -> str:
        """Shared rate-limit state (the posts API's next free slot)."""
        return f"{self.prefix}-limits"

    @property
    def import_rows_table(self) -> str:
        """Each imported row's outcome, and each import's counters."""
        return f"{self.prefix}-import-rows"

    def queue(self, lane: str) -> str:
        """The queue of a lane's jobs (``LANES``)."""
        if lane not in LANES:
            raise ValueError(f"unknown lane {lane!r}; known: {', '.join(LANES)}")
        return f"{self.prefix}-{lane}"

    @property
    def jobs_queue(self) -> str:
        return self.queue(JOBS_LANE)

    @property
    def imports_queue(self) -> str:
        return self.queue(IMPORTS_LANE)

    @property
    def job_queues(self) -> tuple[str, ...]:
        """Every lane's queue, in ``LANES`` order."""
        return tuple(self.queue(lane) for lane in LANES)

    @property
    def jobs_dlq(self) -> str:
        return f"{self.prefix}-jobs-dlq"

    @property
    def bucket(self) -> str:
        return f"{self.prefix}-files"


def _int_env(environ: Mapping[str, str], name: str, default: int) -> int:
    raw = environ.get(name, "")
    try:
        return int(raw) if raw else default
    except ValueError as exc:
        raise RuntimeError(f"environment variable {name} must be an integer, got {raw!r}") from exc


def _bool_env(environ: Mapping[str, str], name: str) -> bool:
    raw = environ.get(name, "").strip().lower()
    if raw in ("", "0", "false", "no"):
        return False
    if raw in ("1", "true", "yes"):
        return True
    raise RuntimeError(f"environment variable {name} must be true or false, got {raw!r}")


def settings_from(environ: Mapping[str, str]) -> Settings:
    """The settings that an environment describes (a process's, or a stage's in .chalice/config.json)."""
    stage = environ.get("STAGE", "local")
    return Settings(
        stage=stage,
        prefix=environ.get("RESOURCE_PREFIX", f"jobsvc-{stage}"),
        region=environ.get("AWS_DEFAULT_REGION", environ.get("AWS_REGION", "us-east-1")),
        max_receive_count=_int_env(environ, "JOBS_MAX_RECEIVE_COUNT", 3),
        visibility_timeout=_int_env(environ, "JOBS_VISIBILITY_TIMEOUT", 120),
        report_memory_mb=_int_env(environ, "REPORT_MEMORY_MB", 256),
        scratch_dir=environ.get("SCRATCH_DIR", tempfile.gettempdir()),
        posts_api_url=environ.get("POSTS_API_URL", ""),
        posts_per_second=_int_env(environ, "POSTS_PER_SECOND", 7),
        import_slice_seconds=_int_env(environ, "IMPORT_SLICE_SECONDS", 60),
        posts_max_wait=_int_env(environ, "POSTS_MAX_WAIT", 10),
        retention_days=_int_env(environ, "RETENTION_DAYS", 30),
        sweep_grace_seconds=_int_env(environ, "SWEEP_GRACE_SECONDS", 600),
        sweep_max_resends=_int_env(environ, "SWEEP_MAX_RESENDS", 3),
        sweep_minutes=_int_env(environ, "SWEEP_MINUTES", 5),
        api_key_required=_bool_env(environ, "API_KEY_REQUIRED"),
        local_api_key=environ.get("LOCAL_API_KEY", ""),
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings of this process, built from the environment on first use."""
    return settings_from(os.environ)
