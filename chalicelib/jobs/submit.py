"""Accepting a job: validate its parameters, write its record, put its message on its lane's queue."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.aws import queue
from chalicelib.errors import InvalidInput, Unavailable
from chalicelib.jobs import store
from chalicelib.jobs.model import Job
from chalicelib.jobs.registry import get_kind
from chalicelib.telemetry import logs

log = logging.getLogger(__name__)
MAX_NAME_LENGTH = 200


def submit(kind_name: str, raw_params: Mapping[str, Any], name: Any = None) -> Job:
    """Queue a job of ``kind_name``; a job whose message cannot be sent is failed, not left queued."""
    kind = get_kind(kind_name)
    if name is not None and (not isinstance(name, str) or not 0 < len(name.strip()) <= MAX_NAME_LENGTH):
        raise InvalidInput("name", f"must be a non-empty string of at most {MAX_NAME_LENGTH} characters")
    params = kind.parse_params(raw_params)
    job = store.new_job(kind, params, name.strip() if name else None)
    logs.bind(job_id=job.id, kind=job.kind)  # the request's lines from here on name its job
    send_or_give_up(job, kind.lane)
    return job


def send_or_give_up(job: Job, lane: str, *, again: bool = False) -> None:
    """Put the job's message on its lane's queue. If it cannot be sent, fail the job with the reason
    (a queued job without a message would wait for the sweeper) and answer 503: try again."""
    suffix = " again" if again else ""
    try:
        queue.send_job(job.id, job.kind, int(job.seq), lane)
    except (BotoCoreError, ClientError) as exc:
        log.exception("could not queue job %s%s", job.id, suffix)
        store.give_up(job.id, int(job.seq), f"could not be queued{suffix}: {exc}")
        outcome = "queued again" if again else "started"
        raise Unavailable(f"the job queue is unavailable; the job was not {outcome}, try again") from exc
