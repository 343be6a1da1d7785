"""A local stand-in for Lambda's SQS event source mapping.

It finds the app's SQS handlers (``app.event_sources``), long-polls each queue, hands each
batch to the handler in Lambda's event shape, deletes the messages that succeeded, and leaves
those the handler reported in ``batchItemFailures`` (or all, if it raised) to come back after
the visibility timeout, and so to the dead-letter queue after ``maxReceiveCount`` receives.

    python -m infra.local.lambda_runner [--concurrency N]
"""

from __future__ import annotations

import argparse
import importlib
import logging
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from chalice.app import Chalice, SQSEventConfig

from chalicelib.aws import clients

log = logging.getLogger("lambda_runner")
Handler = Callable[[dict[str, Any], Any], Any]


@dataclass(frozen=True)
class Source:
    queue: str
    handler: Handler
    batch_size: int
    function: str


class LambdaContext:
    """The parts of Lambda's context object a handler may read."""

    def __init__(self, function: str, timeout_seconds: int = 900) -> None:
        self.function_name = function
        self.aws_request_id = str(uuid.uuid4())
        self.memory_limit_in_mb = 1024
        self._deadline = time.monotonic() + timeout_seconds

    def get_remaining_time_in_millis(self) -> int:
        return int((self._deadline - time.monotonic()) * 1000)


def sqs_sources(app: Chalice) -> list[Source]:
    sources = []
    for config in app.event_sources:
        if isinstance(config, SQSEventConfig) and config.queue:
            module, _, name = config.handler_string.rpartition(".")
            handler = getattr(importlib.import_module(module), name)
            sources.append(Source(config.queue, handler, config.batch_size, config.name))
    return sources


def to_record(message: Mapping[str, Any], queue_arn: str, region: str) -> dict[str, Any]:
    """An SQS message as Lambda hands it to a function."""
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": message.get("Attributes", {}),
        "messageAttributes": message.get("MessageAttributes", {}),
        "md5OfBody": message.get("MD5OfBody", ""),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }


def poll_once(source: Source, queue_url: str, queue_arn: str, region: str, wait_seconds: int = 5) -> int:
    """Receive one batch, invoke the handler, delete what succeeded. Returns messages received."""
    sqs = clients.sqs()
    messages = sqs.receive_message(
        QueueUrl=queue_url,
        MaxNumberOfMessages=source.batch_size,
        WaitTimeSeconds=wait_seconds,
        AttributeNames=["All"],
        MessageAttributeNames=["All"],
    ).get("Messages", [])
    if not messages:
        return 0
    event = {"Records": [to_record(message, queue_arn, region) for message in messages]}
    try:
        response = source.handler(event, LambdaContext(source.function))
        failed = {item["itemIdentifier"] for item in (response or {}).get("batchItemFailures", [])}
    except Exception:
        log.exception("%s raised: the whole batch will be delivered again", source.function)
        failed = {message["MessageId"] for message in messages}
    done = [m for m in messages if m["MessageId"] not in failed]
    if done:
        sqs.delete_message_batch(
            QueueUrl=queue_url,
            Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)],
        )
    return len(messages)


def serve(source: Source, stop: threading.Event) -> None:
    sqs = clients.sqs()
    url = sqs.get_queue_url(QueueName=source.queue)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    region = sqs.meta.region_name
    while not stop.is_set():
        try:
            poll_once(source, url, arn, region)
        except Exception:
            log.exception("polling %s failed; retrying in 1 s", source.queue)
            stop.wait(1)


def main() -> None:
    parser = argparse.ArgumentParser(description="Run the app's SQS handlers against the local queues.")
    parser.add_argument("--concurrency", type=int, default=2, help="concurrent invocations per queue")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    app = importlib.import_module("app").app
    stop = threading.Event()
    threads = [
        threading.Thread(target=serve, args=(source, stop), name=f"{source.function}-{n}", daemon=True)
        for source in sqs_sources(app)
        for n in range(args.concurrency)
    ]
    for thread in threads:
        thread.start()
    log.info("polling %s", ", ".join(sorted({t.name.rsplit("-", 1)[0] for t in threads})))
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        stop.set()


if __name__ == "__main__":
    main()
