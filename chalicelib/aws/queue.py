"""The jobs queue (SQS): sending a job's message."""

from __future__ import annotations

import json
from functools import lru_cache

from chalicelib.aws import clients
from chalicelib.config import get_settings


@lru_cache(maxsize=8)
def queue_url(name: str) -> str:
    return clients.sqs().get_queue_url(QueueName=name)["QueueUrl"]


def send_job(job_id: str, kind: str, delay_seconds: int = 0) -> None:
    """One message per job; the worker reads the job record, so the message carries only its id."""
    body = json.dumps({"job_id": job_id, "kind": kind})
    clients.sqs().send_message(
        QueueUrl=queue_url(get_settings().jobs_queue), MessageBody=body, DelaySeconds=delay_seconds
    )
