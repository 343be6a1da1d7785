"""The local Lambda runner finds the app's SQS handlers and builds Lambda's event shape."""

from __future__ import annotations

from app import app
from chalicelib.config import get_settings
from infra.local.lambda_runner import sqs_sources, to_record


def test_it_serves_the_jobs_queue_and_its_dead_letter_queue() -> None:
    sources = {source.queue: source.function for source in sqs_sources(app)}
    assert sources == {get_settings().jobs_queue: "run_jobs", get_settings().jobs_dlq: "fail_dead_jobs"}


def test_a_message_becomes_a_lambda_sqs_record() -> None:
    message = {
        "MessageId": "m-1",
        "ReceiptHandle": "r-1",
        "Body": '{"job_id": "j"}',
        "MD5OfBody": "abc",
        "Attributes": {"ApproximateReceiveCount": "2"},
    }
    record = to_record(message, "arn:aws:sqs:us-east-1:123456789012:q", "us-east-1")
    assert record == {
        "messageId": "m-1",
        "receiptHandle": "r-1",
        "body": '{"job_id": "j"}',
        "attributes": {"ApproximateReceiveCount": "2"},
        "messageAttributes": {},
        "md5OfBody": "abc",
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:q",
        "awsRegion": "us-east-1",
    }
