"""Delivering queued messages to the app's SQS handlers in-process, as the local Lambda runner does."""

from __future__ import annotations

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
        queue = queue or get_settings().jobs_queue
        url = self.url(queue)
        arn = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        return poll_once(self.sources[queue], url, arn, "us-east-1", wait_seconds=0)

    def waiting(self, queue: str | None = None) -> int:
        attributes = self.sqs.get_queue_attributes(
            QueueUrl=self.url(queue or get_settings().jobs_queue),
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        return int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"])

    def retry_at_once(self) -> None:
        """Visibility timeout 0: a message not acknowledged is visible again right away."""
        self.sqs.set_queue_attributes(
            QueueUrl=self.url(get_settings().jobs_queue), Attributes={"VisibilityTimeout": "0"}
        )
