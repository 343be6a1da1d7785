"""Least-privilege IAM policies: what each Lambda function does with which resource, per stage.

The grants below are written by hand, one line per use, with the code that needs it. ``python -m
infra.iam`` (``make policies``) renders them into ``.chalice/policy-<stage>-<function>.json``,
the files Chalice gives each function's role (``autogen_policy`` is off: Chalice's generator
cannot see calls made through ``chalicelib.aws.clients`` or PynamoDB). Tests check the files
are current, that every AWS call in the code is granted, and that no grant goes unused.

ARNs name the stage's resources exactly; region and account are ``*`` because Chalice hands the
policy to IAM as it is (no CloudFormation substitution on the ``chalice deploy`` path), and the
stage prefix in every name already keeps stages apart.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from chalicelib.aws import files
from chalicelib.config import Settings
from chalicelib.jobs.model import ALL_INDEX, KIND_INDEX, OPEN_INDEX, STATUS_INDEX
from chalicelib.records.query import USER_INDEX
from chalicelib.records.tables import TABLES
from infra.stages import CHALICE_DIR, STAGES, Function, stage

Resources = Callable[[Settings], list[str]]


@dataclass(frozen=True)
class Grant:
    actions: tuple[str, ...]
    resources: Resources
    why: str


def _table(name: Callable[[Settings], str]) -> Resources:
    return lambda s: [f"arn:aws:dynamodb:*:*:table/{name(s)}"]


def _index(name: Callable[[Settings], str], index: str) -> Resources:
    return _indexes(name, index)


def _indexes(name: Callable[[Settings], str], *indexes: str) -> Resources:
    return lambda s: [f"arn:aws:dynamodb:*:*:table/{name(s)}/index/{index}" for index in indexes]


def _records_tables(s: Settings) -> list[str]:
    arns = [f"arn:aws:dynamodb:*:*:table/{s.records_table(name)}" for name in TABLES]
    return [*arns, *(f"{arn}/index/{USER_INDEX}" for arn in arns)]


def _objects(*prefixes: str) -> Resources:
    return lambda s: [f"arn:aws:s3:::{s.bucket}/{prefix}*" for prefix in prefixes]


def _bucket(s: Settings) -> list[str]:
    return [f"arn:aws:s3:::{s.bucket}"]


def _queue(name: Callable[[Settings], str]) -> Resources:
    return lambda s: [f"arn:aws:sqs:*:*:{name(s)}"]


def _job_queues(s: Settings) -> list[str]:
    """Every lane's job queue: a job's message goes to its kind's lane."""
    return [f"arn:aws:sqs:*:*:{name}" for name in s.job_queues]


def _jobs(s: Settings) -> str:
    return s.jobs_table


# The event source mapping reads the queue with the function's role.
_CONSUME = ("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes")
# A missing object answers 403 instead of 404 without ListBucket (files.size_of needs the 404).
_LIST = Grant(("s3:ListBucket",), _bucket, "files.size_of: a missing upload is a 404, not a 403")

# What the worker needs to run any job, an import included (both job lanes' functions).
_RUN_A_JOB = (
    Grant(("dynamodb:GetItem", "dynamodb:UpdateItem"), _table(_jobs), "jobs.store: claim and every transition"),
    Grant(
        ("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:Query"),
        _table(lambda s: s.import_rows_table),
        "imports.ledger: start, last_line, claim, unclaim, record (a transaction of two updates), summary",
    ),
    Grant(
        ("dynamodb:GetItem", "dynamodb:PutItem"),
        _table(lambda s: s.limits_table),
        "imports.limiter: the next free slot, and a 429's push-back",
    ),
)

GRANTS: dict[str, tuple[Grant, ...]] = {
    "api_handler": (
        Grant(
            ("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"),
            _table(_jobs),
            "jobs.store: get_job, new_job, give_up (a job whose message could not be sent), cancel, retry",
        ),
        Grant(
            ("dynamodb:Query",),
            _indexes(_jobs, KIND_INDEX, STATUS_INDEX, ALL_INDEX),
            "jobs.listing: GET /calculations pages (by_kind); GET /jobs (all three); oldest (by_status, for /health)",
        ),
        Grant(("dynamodb:GetItem",), _table(lambda s: s.datasets_table), "records.datasets: /logs load state"),
        Grant(("dynamodb:Query",), _records_tables, "records.query: /logs, by day or by user"),
        Grant(
            ("dynamodb:GetItem", "dynamodb:Query", "dynamodb:UpdateItem"),
            _table(lambda s: s.import_rows_table),
            "imports.ledger: summary and results; mark_for_resend (a retry's transaction of two updates)",
        ),
        Grant(
            ("s3:PutObject",),
            _objects(files.UPLOADS, files.IMPORTS),
            "files.put_bytes of a request's file; files.upload_url signs presigned PUTs with this role",
        ),
        Grant(
            ("s3:GetObject",),
            _objects(files.UPLOADS, files.RESULTS),
            "files.size_of (HEAD) of an upload; results.load; files.download_url signs presigned GETs",
        ),
        _LIST,
        Grant(
            ("sqs:GetQueueUrl", "sqs:SendMessage", "sqs:GetQueueAttributes"),
            _job_queues,
            "aws.queue.send_job, to the job's lane; aws.queue.depth of each lane for /health",
        ),
        Grant(
            ("sqs:GetQueueUrl", "sqs:GetQueueAttributes"),
            _queue(lambda s: s.jobs_dlq),
            "aws.queue.depth of the dead-letter queue for /health",
        ),
    ),
    "run_jobs": (
        *_RUN_A_JOB,
        Grant(("s3:GetObject",), _objects(files.UPLOADS, files.IMPORTS), "files.download and size_of of a job's input"),
        Grant(
            ("s3:PutObject", "s3:AbortMultipartUpload"),
            _objects(files.RESULTS),
            "results.store; files.upload of report totals (multipart above 64 MB)",
        ),
        _LIST,
        Grant(
            ("sqs:ChangeMessageVisibility", *_CONSUME),
            _queue(lambda s: s.jobs_queue),
            "the event source; aws.queue.hide of a busy job's message",
        ),
        Grant(
            ("sqs:GetQueueUrl", "sqs:SendMessage"),
            _job_queues,
            "aws.queue.send_job when a job continues later, to its kind's lane (an import whose message was"
            " queued here before imports had a lane of their own continues on the imports queue)",
        ),
    ),
    # The same worker, for the imports lane: only what an import does.
    "run_imports": (
        *_RUN_A_JOB,
        Grant(("s3:GetObject",), _objects(files.IMPORTS), "files.download of the import's file"),
        Grant(("s3:PutObject",), _objects(files.RESULTS), "results.store of a result too large for the job record"),
        _LIST,
        Grant(
            ("sqs:GetQueueUrl", "sqs:SendMessage", "sqs:ChangeMessageVisibility", *_CONSUME),
            _queue(lambda s: s.imports_queue),
            "the event source; aws.queue.send_job of an import's next slice; aws.queue.hide of a busy import's message",
        ),
    ),
    "fail_dead_jobs": (
        Grant(("dynamodb:UpdateItem",), _table(_jobs), "jobs.store.give_up (marks the job dead-lettered)"),
        Grant(_CONSUME, _queue(lambda s: s.jobs_dlq), "the event source"),
    ),
    "sweep_jobs": (
        Grant(("dynamodb:Query",), _index(_jobs, OPEN_INDEX), "jobs.store.overdue: open jobs past due"),
        Grant(
            ("dynamodb:GetItem", "dynamodb:UpdateItem"),
            _table(_jobs),
            "jobs.sweeper reads each overdue job; jobs.store.resent, abandon and end_requested_cancel",
        ),
        Grant(
            ("sqs:GetQueueUrl", "sqs:SendMessage", "sqs:GetQueueAttributes"),
            _job_queues,
            "aws.queue.send_job again, to the job's lane; aws.queue.waiting (a lane's backlog postpones its jobs)",
        ),
    ),
}


def policy(settings: Settings, function: Function) -> dict[str, object]:
    """The policy document of one function in one stage."""
    log_group = f"arn:aws:logs:*:*:log-group:/aws/lambda/{function.lambda_name}"
    statements: list[dict[str, object]] = [
        {
            "Sid": "Logs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": [f"{log_group}:*"],
        }
    ]
    for number, grant in enumerate(GRANTS[function.name], start=1):
        statements.append(
            {
                "Sid": f"Use{number}",
                "Effect": "Allow",
                "Action": sorted(grant.actions),
                "Resource": grant.resources(settings),
            }
        )
    return {"Version": "2012-10-17", "Statement": statements}


def policy_file_name(stage_name: str, function: str) -> str:
    return f"policy-{stage_name}-{function.replace('_', '-')}.json"


def render(stage_name: str, function: str) -> str:
    current = stage(stage_name)
    return json.dumps(policy(current.settings, current.functions[function]), indent=2) + "\n"


def main() -> None:
    for stage_name in STAGES:
        for function in GRANTS:
            path = CHALICE_DIR / policy_file_name(stage_name, function)
            path.write_text(render(stage_name, function))
            print(f"{path.relative_to(CHALICE_DIR.parent)}")


if __name__ == "__main__":
    main()
