"""Delivering queued messages to the app's SQS handlers in-process, as the local Lambda runner does."""

from __future__ import annotations

import json
from typing import Any

from chalice.test import Client

from app import app
from chalicelib.aws import clients
from chalicelib.config import get_settings
from infra.local.lambda_runner import Source, poll_once, sqs_sources


class Queues:
    """Deliver the queued messages to the app's handlers the way the local Lambda runner does."""

    def __init__(self) -> None:
        self.sources: dict[str, Source] = {source.queue: source for source in sqs_sources(app)}
        self.sqs = clients.sqs()

    def url(self, queue: str) -> str:
        return self.sqs.get_queue_url(QueueName=queue)["QueueUrl"]

    def deliver(self, queue: str | None = None) -> int:
        """One batch from ``queue`` to its handler; without a queue, one from each job queue (every
        lane: jobs, then imports), as their handlers would poll side by side. Returns messages received."""
        return sum(self._deliver(name) for name in ([queue] if queue else get_settings().job_queues))

    def drain(self, queue: str | None = None) -> int:
        """Deliver until a round receives nothing (as ``deliver``: one queue, or every job queue):
        every message sent meanwhile is handled too, a retry made visible at once included.
        Returns the messages received in all."""
        received = 0
        while delivered := self.deliver(queue):
            received += delivered
        return received

    def _deliver(self, queue: str) -> int:
        url = self.url(queue)
        arn = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        return poll_once(self.sources[queue], url, arn, "us-east-1", wait_seconds=0)

    def waiting(self, queue: str | None = None) -> int:
        """Messages in ``queue`` (without one: in every job queue), visible or not."""
        return sum(self._waiting(name) for name in ([queue] if queue else get_settings().job_queues))

    def _waiting(self, queue: str) -> int:
        attributes = self.sqs.get_queue_attributes(
            QueueUrl=self.url(queue),
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        return int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"])

    def retry_at_once(self) -> None:
        """Visibility timeout 0 on every job queue: a message not acknowledged is visible again right away."""
        for queue in get_settings().job_queues:
            self.sqs.set_queue_attributes(QueueUrl=self.url(queue), Attributes={"VisibilityTimeout": "0"})


def job_messages(client: Client, queue: str, *job_ids: str) -> dict[str, Any]:
    """An SQS event for ``queue`` with one message per job, ids ``message-0``, ``message-1``...
    (Chalice's generator gives every record the same id, so a partial failure could name none)."""
    event: dict[str, Any] = client.events.generate_sqs_event(
        message_bodies=[json.dumps({"job_id": job_id}) for job_id in job_ids], queue_name=queue
    )
    for number, record in enumerate(event["Records"]):
        record["messageId"] = f"message-{number}"
    return event
