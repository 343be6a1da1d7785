"""The CloudFormation template that ``chalice package --merge-template`` merges into Chalice's own.

Chalice writes the functions (with their reserved concurrency), their roles, the API and the SQS
event sources; this adds what it cannot: the tables (from ``infra.resources``, so provisioning and
the stack cannot differ), the queues with their redrive (a job queue per lane, one dead-letter
queue), the private bucket, ``ReportBatchItemFailures`` on every queue's event source, the jobs
worker's scratch disk (an import's file is at most 5 MB: the default 512 MB will do), and the API
key with its usage plan. Chalice merges dicts key by key, so the entries under ``RunJobs`` below
extend the function Chalice generates.

``python -m infra.template STAGE OUT`` writes it for one stage (``make package`` does).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from chalicelib.config import Settings
from infra.resources import (
    DLQ_RETENTION_SECONDS,
    TTL_ATTRIBUTE,
    lifecycle_rules,
    table_definitions,
    ttl_tables,
)
from infra.stages import Stage, stage

# Chalice's logical ids (from its function and handler names) and SAM's id for the API's stage.
API_RESOURCE = "RestAPI"
API_STAGE_RESOURCE = "RestAPIapiStage"
API_STAGE_NAME = "api"
WORKER_RESOURCE = "RunJobs"
WORKER_EVENT = "RunJobsSqsEventSource"
IMPORTS_WORKER_RESOURCE = "RunImports"
IMPORTS_WORKER_EVENT = "RunImportsSqsEventSource"
DEAD_LETTERS_RESOURCE = "FailDeadJobs"
DEAD_LETTERS_EVENT = "FailDeadJobsSqsEventSource"
# A report needs about twice its input plus its output on disk: 4 GB holds a 1 GB report.
WORKER_SCRATCH_MB = 4096
# Per API key: enough for people and scripts, low enough to stop a runaway client.
THROTTLE = {"RateLimit": 50, "BurstLimit": 100}
_RETAIN = {"DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain"}


def logical_id(name: str, prefix: str) -> str:
    """``jobsvc-dev-import-rows`` -> ``TableImportRows``."""
    suffix = name.removeprefix(f"{prefix}-")
    return "Table" + "".join(part.capitalize() for part in suffix.replace("_", "-").split("-"))


def tables(settings: Settings) -> dict[str, Any]:
    """One ``AWS::DynamoDB::Table`` per ``CreateTable`` request of ``infra.resources``."""
    with_ttl = set(ttl_tables(settings))
    resources = {}
    for request in table_definitions(settings):
        # Encrypted at rest by DynamoDB's own key (the default): a KMS key would bill every request.
        properties = {**request, "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True}}
        if request["TableName"] in with_ttl:
            properties["TimeToLiveSpecification"] = {"AttributeName": TTL_ATTRIBUTE, "Enabled": True}
        resources[logical_id(request["TableName"], settings.prefix)] = {
            "Type": "AWS::DynamoDB::Table",
            **_RETAIN,
            "Properties": properties,
        }
    return resources


def _job_queue(name: str, settings: Settings) -> dict[str, Any]:
    """A lane's job queue: the visibility timeout and redrive every lane shares."""
    return {
        "Type": "AWS::SQS::Queue",
        "Properties": {
            "QueueName": name,
            "VisibilityTimeout": settings.visibility_timeout,
            "SqsManagedSseEnabled": True,
            "RedrivePolicy": {
                "deadLetterTargetArn": {"Fn::GetAtt": ["JobsDeadLetterQueue", "Arn"]},
                "maxReceiveCount": settings.max_receive_count,
            },
        },
    }


def queues(settings: Settings) -> dict[str, Any]:
    return {
        "JobsDeadLetterQueue": {
            "Type": "AWS::SQS::Queue",
            "Properties": {
                "QueueName": settings.jobs_dlq,
                "MessageRetentionPeriod": DLQ_RETENTION_SECONDS,
                "SqsManagedSseEnabled": True,
            },
        },
        "JobsQueue": _job_queue(settings.jobs_queue, settings),
        "ImportsQueue": _job_queue(settings.imports_queue, settings),
    }


def _cfn_lifecycle_rule(rule: dict[str, Any]) -> dict[str, Any]:
    """S3's API shape of a lifecycle rule -> CloudFormation's."""
    converted: dict[str, Any] = {"Id": rule["ID"], "Status": rule["Status"]}
    if rule["Filter"]["Prefix"]:
        converted["Prefix"] = rule["Filter"]["Prefix"]
    if "Expiration" in rule:
        converted["ExpirationInDays"] = rule["Expiration"]["Days"]
    if "AbortIncompleteMultipartUpload" in rule:
        converted["AbortIncompleteMultipartUpload"] = rule["AbortIncompleteMultipartUpload"]
    return converted


def bucket(settings: Settings) -> dict[str, Any]:
    """Private and encrypted; only the API's own origin may PUT or GET through presigned URLs."""
    api_origin = f"https://${{{API_RESOURCE}}}.execute-api.${{AWS::Region}}.${{AWS::URLSuffix}}"
    files = {
        "Type": "AWS::S3::Bucket",
        **_RETAIN,
        "Properties": {
            "BucketName": settings.bucket,
            "PublicAccessBlockConfiguration": {
                "BlockPublicAcls": True,
                "IgnorePublicAcls": True,
                "BlockPublicPolicy": True,
                "RestrictPublicBuckets": True,
            },
            "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
            "BucketEncryption": {
                "ServerSideEncryptionConfiguration": [{"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
            },
            "LifecycleConfiguration": {"Rules": [_cfn_lifecycle_rule(rule) for rule in lifecycle_rules(settings)]},
            "CorsConfiguration": {
                "CorsRules": [
                    {
                        "AllowedMethods": ["GET", "PUT"],
                        "AllowedOrigins": [{"Fn::Sub": api_origin}],
                        "AllowedHeaders": ["content-type"],
                        "MaxAge": 3600,
                    }
                ]
            },
        },
    }
    tls_only = {
        "Type": "AWS::S3::BucketPolicy",
        "Properties": {
            "Bucket": {"Ref": "FilesBucket"},
            "PolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "TlsOnly",
                        "Effect": "Deny",
                        "Principal": "*",
                        "Action": "s3:*",
                        "Resource": [
                            {"Fn::GetAtt": ["FilesBucket", "Arn"]},
                            {"Fn::Sub": "${FilesBucket.Arn}/*"},
                        ],
                        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                    }
                ],
            },
        },
    }
    return {"FilesBucket": files, "FilesBucketPolicy": tls_only}


def functions() -> dict[str, Any]:
    """Additions to Chalice's functions: partial batch failures, scratch disk, queues first."""
    return {
        WORKER_RESOURCE: {
            "DependsOn": ["JobsQueue"],
            "Properties": {
                "EphemeralStorage": {"Size": WORKER_SCRATCH_MB},
                "Events": {WORKER_EVENT: {"Properties": {"FunctionResponseTypes": ["ReportBatchItemFailures"]}}},
            },
        },
        IMPORTS_WORKER_RESOURCE: {
            "DependsOn": ["ImportsQueue"],
            "Properties": {
                "Events": {
                    IMPORTS_WORKER_EVENT: {"Properties": {"FunctionResponseTypes": ["ReportBatchItemFailures"]}}
                },
            },
        },
        DEAD_LETTERS_RESOURCE: {
            "DependsOn": ["JobsDeadLetterQueue"],
            "Properties": {
                "Events": {DEAD_LETTERS_EVENT: {"Properties": {"FunctionResponseTypes": ["ReportBatchItemFailures"]}}}
            },
        },
    }


def api_key(settings: Settings) -> dict[str, Any]:
    """The key the mutating routes ask for, in a usage plan on the API's stage."""
    return {
        "ApiKey": {
            "Type": "AWS::ApiGateway::ApiKey",
            "Properties": {"Name": f"{settings.prefix}-key", "Enabled": True},
        },
        "UsagePlan": {
            "Type": "AWS::ApiGateway::UsagePlan",
            # The stage must exist before a plan can name it; SAM creates it with this id.
            "DependsOn": [API_STAGE_RESOURCE],
            "Properties": {
                "UsagePlanName": f"{settings.prefix}-plan",
                "ApiStages": [{"ApiId": {"Ref": API_RESOURCE}, "Stage": API_STAGE_NAME}],
                "Throttle": THROTTLE,
            },
        },
        "UsagePlanKey": {
            "Type": "AWS::ApiGateway::UsagePlanKey",
            "Properties": {"KeyId": {"Ref": "ApiKey"}, "KeyType": "API_KEY", "UsagePlanId": {"Ref": "UsagePlan"}},
        },
    }


def merge_template(current: Stage) -> dict[str, Any]:
    settings = current.settings
    resources = {**tables(settings), **queues(settings), **bucket(settings), **functions()}
    outputs: dict[str, Any] = {
        "FilesBucketName": {"Value": {"Ref": "FilesBucket"}},
        "JobsQueueUrl": {"Value": {"Ref": "JobsQueue"}},
        "ImportsQueueUrl": {"Value": {"Ref": "ImportsQueue"}},
    }
    if settings.api_key_required:
        resources |= api_key(settings)
        outputs["ApiKeyId"] = {
            "Description": "aws apigateway get-api-key --include-value --api-key <this> shows the key",
            "Value": {"Ref": "ApiKey"},
        }
    return {"Resources": resources, "Outputs": outputs}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("stage")
    parser.add_argument("out", type=Path)
    args = parser.parse_args()
    args.out.write_text(json.dumps(merge_template(stage(args.stage)), indent=2) + "\n")


if __name__ == "__main__":
    main()
