"""The jobs queue (SQS): sending a job's message."""

from __future__ import annotations

import json
from functools import lru_cache

from chalicelib.aws import clients
from chalicelib.config import get_settings


@lru_cache(maxsize=8)
def queue_url(name: str) -> str:
    return clients.sqs().get_queue_url(QueueName=name)["QueueUrl"]


def send_job(job_id: str, kind: str, seq: int, delay_seconds: int = 0) -> None:
    """One message per job and slice: ``{"job_id", "kind", "seq"}``. The worker reads the job
    record; ``seq`` is the job's token when sent, so a duplicate of an older slice's message is
    recognised as stale."""
    body = json.dumps({"job_id": job_id, "kind": kind, "seq": seq})
    clients.sqs().send_message(
        QueueUrl=queue_url(get_settings().jobs_queue), MessageBody=body, DelaySeconds=delay_seconds
    )
