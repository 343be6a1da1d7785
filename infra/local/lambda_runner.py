"""A local stand-in for Lambda and its SQS event source mappings and EventBridge schedules.

It reads the app's event sources (``app.event_sources``). For each SQS handler it long-polls the
queue with as many pollers as the function's ``maximum_concurrency`` allows (capped by
``--max-concurrency`` or ``LOCAL_MAX_CONCURRENCY``), hands each batch to an execution environment
of its own (``infra.local.lambda_environment``: a process, reused warm, killed at the function's
timeout or memory size), deletes the messages that succeeded, and leaves the rest (those in
``batchItemFailures``, or all of a batch whose handler raised or whose environment died) to come
back after the visibility timeout, and so to the dead-letter queue after ``maxReceiveCount``
receives. Each ``@app.schedule`` handler runs at its rate (every ``LOCAL_SCHEDULE_SECONDS`` when
set) with EventBridge's scheduled event. ``LAMBDA_KILL_RATE`` and ``LAMBDA_KILL_SEED`` kill that
fraction of invocations at random points (chaos).

    python -m infra.local.lambda_runner [--max-concurrency N] [--project-dir DIR] [--stage local]

``poll_once`` and ``sqs_sources`` deliver in-process instead, for tests against moto's in-process
backend (which a subprocess cannot reach).
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chalice.app import Chalice, SQSEventConfig

from chalicelib.aws import clients
from infra.local import lambda_functions
from infra.local.lambda_context import LambdaContext
from infra.local.lambda_environment import Environment, KillSwitch, Outcome
from infra.local.lambda_functions import QueueSource, Schedule
from infra.local.schedules import period_seconds, scheduled_event

log = logging.getLogger("lambda_runner")
Handler = Callable[[dict[str, Any], Any], Any]
ROOT = Path(__file__).resolve().parents[2]
LONG_POLL_SECONDS = 5


@dataclass(frozen=True)
class Source:
    """An SQS handler to call in this process (the functional tests' path)."""

    queue: str
    handler: Handler
    batch_size: int
    function: str
    timeout_seconds: float = lambda_functions.DEFAULT_TIMEOUT_SECONDS
    memory_mb: int = lambda_functions.DEFAULT_MEMORY_MB


def sqs_sources(app: Chalice, project_dir: Path = ROOT, stage: str = "local") -> list[Source]:
    """The app's SQS handlers, imported into this process, with their timeout and memory size."""
    sources = []
    for config in app.event_sources:
        if isinstance(config, SQSEventConfig) and config.queue:
            module, _, name = config.handler_string.rpartition(".")
            handler = getattr(importlib.import_module(module), name)
            timeout, memory, _ = lambda_functions.function_settings(project_dir, stage, config.name)
            sources.append(Source(config.queue, handler, config.batch_size, config.name, timeout, memory))
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


def job_ids(messages: Sequence[Mapping[str, Any]]) -> str:
    """The jobs a batch carries, from each body's ``job_id``, for the log."""
    ids = []
    for message in messages:
        try:
            body = json.loads(message["Body"])
            ids.append(f"job {body['job_id']}" if isinstance(body, dict) and "job_id" in body else "no job_id")
        except ValueError:
            ids.append("a body that is not JSON")
    return ", ".join(ids)


def failed_ids(outcome: Outcome, messages: Sequence[Mapping[str, Any]]) -> set[str]:
    """The messages to leave for redelivery: the reported failures, or all unless the handler succeeded."""
    if outcome.status != "ok":
        return {message["MessageId"] for message in messages}
    response = outcome.result if isinstance(outcome.result, dict) else {}
    return {item["itemIdentifier"] for item in response.get("batchItemFailures", [])}


REDELIVERY = (
    "the message(s) are not deleted: they come back after the visibility timeout "
    "(the dead-letter queue after maxReceiveCount receives)"
)


def report(function: str, outcome: Outcome, jobs: str, after_failure: str = REDELIVERY) -> None:
    """Log how an invocation ended: Lambda's REPORT line for a success; which job failed or died, and why."""
    if outcome.status == "ok":
        cold = f" Init Duration: {outcome.init_ms:.0f} ms" if outcome.init_ms is not None else ""
        log.info(
            "REPORT %s RequestId: %s (%s) Duration: %.0f ms%s Max Memory Used: %.0f MB",
            *(function, outcome.request_id, jobs, outcome.duration_ms, cold, outcome.max_memory_mb),
        )
    elif outcome.status == "error":
        log.error(
            "%s raised on %s (RequestId %s); %s: %s", function, jobs, outcome.request_id, after_failure, outcome.detail
        )
    else:
        log.error(
            "%s DIED on %s: %s (%s); RequestId %s, pid %d; the environment is replaced; %s",
            *(function, jobs, outcome.status, outcome.detail, outcome.request_id, outcome.pid, after_failure),
        )


def receive(sqs: Any, queue_url: str, batch_size: int, wait_seconds: int) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = sqs.receive_message(
        QueueUrl=queue_url,
        MaxNumberOfMessages=batch_size,
        WaitTimeSeconds=wait_seconds,
        AttributeNames=["All"],
        MessageAttributeNames=["All"],
    ).get("Messages", [])
    return messages


def acknowledge(sqs: Any, queue_url: str, messages: Sequence[Mapping[str, Any]], failed: set[str]) -> None:
    """Delete the messages that succeeded, as the event source mapping does."""
    done = [m for m in messages if m["MessageId"] not in failed]
    if done:
        sqs.delete_message_batch(
            QueueUrl=queue_url,
            Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)],
        )


def poll_once(source: Source, queue_url: str, queue_arn: str, region: str, wait_seconds: int = 5) -> int:
    """Receive one batch, call the handler in this process, delete what succeeded. Returns messages received."""
    sqs = clients.sqs()
    messages = receive(sqs, queue_url, source.batch_size, wait_seconds)
    if not messages:
        return 0
    event = {"Records": [to_record(message, queue_arn, region) for message in messages]}
    context = LambdaContext.lasting(source.function, source.timeout_seconds, source.memory_mb)
    try:
        outcome = Outcome("ok", context.aws_request_id, result=source.handler(event, context))
    except Exception:
        log.exception("%s raised: the whole batch will be delivered again", source.function)
        outcome = Outcome("error", context.aws_request_id)
    acknowledge(sqs, queue_url, messages, failed_ids(outcome, messages))
    return len(messages)


def _ended_by_shutdown(outcome: Outcome, stop: threading.Event) -> bool:
    """The environment was stopped by the runner's shutdown, not by a fault (the shutdown's SIGTERM
    reaches the runner's whole process group at once, so an environment may die before ``stop`` is set)."""
    return outcome.died and (stop.is_set() or (outcome.detail.startswith("killed by SIGTERM") and stop.wait(1)))


def serve_queue(source: QueueSource, environment: Environment, stop: threading.Event) -> None:
    """One poller of an event source mapping, with its own execution environment."""
    sqs = clients.sqs()
    region = sqs.meta.region_name
    url = arn = ""
    while not stop.is_set():
        try:
            if not url:  # inside the loop: a queue not there yet is retried, not the poller's end
                url = sqs.get_queue_url(QueueName=source.queue)["QueueUrl"]
                attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
                arn = attributes["QueueArn"]
            messages = receive(sqs, url, source.batch_size, LONG_POLL_SECONDS)
            if not messages or stop.is_set():
                continue  # not deleted: a message received as we stop comes back after its visibility timeout
            outcome = environment.invoke({"Records": [to_record(message, arn, region) for message in messages]})
            if _ended_by_shutdown(outcome, stop):
                return
            report(source.function.name, outcome, job_ids(messages))
            acknowledge(sqs, url, messages, failed_ids(outcome, messages))
        except Exception:
            log.exception("polling %s failed; retrying in 1 s", source.queue)
            stop.wait(1)


def serve_schedule(
    schedule: Schedule, environment: Environment, stop: threading.Event, period: float, rule: str
) -> None:
    """Invoke a scheduled function every ``period`` seconds with EventBridge's event."""
    region = os.environ.get("AWS_DEFAULT_REGION", "us-east-1")
    next_run = time.monotonic() + period
    while not stop.wait(max(0.0, next_run - time.monotonic())):
        outcome = environment.invoke(scheduled_event(rule, region))
        if _ended_by_shutdown(outcome, stop):
            return
        while next_run <= time.monotonic():  # a run longer than the period skips the runs it overlapped
            next_run += period
        # EventBridge invokes asynchronously, and Lambda would retry a failed run twice; here the next run does.
        report(schedule.function.name, outcome, f"schedule {schedule.expression}", "the next run retries")


def _cap(value: str | None) -> int | None:
    return int(value) if value else None


@dataclass
class Runner:
    """The pollers and schedules of one app, each thread with its own execution environment."""

    stop: threading.Event
    kills: KillSwitch | None
    environments: list[Environment]
    threads: list[threading.Thread]

    def add(self, target: Callable[..., None], name: str, environment: Environment, *args: Any) -> None:
        self.environments.append(environment)
        thread = threading.Thread(target=target, args=(args[0], environment, self.stop, *args[1:]), name=name)
        self.threads.append(thread)

    def add_queues(self, sources: list[QueueSource]) -> None:
        for source in sources:
            function = source.function
            log.info(
                "%s: queue %s, %d environment(s) at most, timeout %g s, memory %d MB",
                *(function.name, source.queue, source.concurrency, function.timeout_seconds, function.memory_mb),
            )
            for n in range(source.concurrency):
                self.add(serve_queue, f"{function.name}-{n}", Environment(function, self.kills), source)

    def add_schedules(self, schedules: list[Schedule], override: float | None, rule_prefix: str) -> None:
        for schedule in schedules:
            name, expression = schedule.function.name, schedule.expression
            period = period_seconds(expression, override)
            if period is None:
                log.warning("%s: %s runs locally only with LOCAL_SCHEDULE_SECONDS", name, expression)
                continue
            log.info("%s: every %g s (%s)", name, period, expression)
            environment = Environment(schedule.function, self.kills)
            self.add(serve_schedule, name, environment, schedule, period, f"{rule_prefix}-{name}")

    def run(self) -> None:
        """Serve until SIGTERM or SIGINT, then stop every environment."""

        def on_signal(signum: int, frame: object) -> None:
            self.stop.set()

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        for thread in self.threads:
            thread.daemon = True
            thread.start()
        while not self.stop.wait(1):
            pass
        log.info("stopping: %d environment(s) running", sum(1 for e in self.environments if e.process))
        for environment in self.environments:
            environment.close()


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Run the app's SQS and scheduled handlers as Lambda would.")
    parser.add_argument(
        "--max-concurrency",
        "--concurrency",
        type=int,
        default=_cap(os.environ.get("LOCAL_MAX_CONCURRENCY")),
        help="at most N environments per function (default: LOCAL_MAX_CONCURRENCY, else maximum_concurrency)",
    )
    parser.add_argument("--project-dir", type=Path, default=Path.cwd(), help="where app.py and .chalice/ are")
    parser.add_argument("--stage", default="local", help="the stage of .chalice/config.json to read")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logging.getLogger("botocore").setLevel(logging.WARNING)  # one "found credentials" line per poller
    project = args.project_dir.resolve()
    sys.path.insert(0, str(project))
    app: Chalice = importlib.import_module("app").app  # Chalice's handlers are always app.<name>
    kills = KillSwitch.from_env(os.environ)
    if kills:
        log.warning("chaos: killing %g%% of invocations at random (LAMBDA_KILL_SEED=%d)", kills.rate * 100, kills.seed)
    runner = Runner(threading.Event(), kills, [], [])
    runner.add_queues(lambda_functions.queue_sources(app, project, args.stage, args.max_concurrency))
    override = float(os.environ.get("LOCAL_SCHEDULE_SECONDS") or 0) or None
    runner.add_schedules(lambda_functions.schedules(app, project, args.stage), override, f"{app.app_name}-{args.stage}")
    runner.run()


if __name__ == "__main__":
    main()
