"""Every AWS resource the service needs, defined once: tables (with indexes), queues (a job queue per
lane, one dead-letter queue), bucket.

``provision`` creates them idempotently against whatever endpoint the environment points at
(DynamoDB Local + moto, LocalStack, or AWS).
"""

from __future__ import annotations

import json
from typing import Any

from chalicelib.aws import files
from chalicelib.config import Settings
from chalicelib.jobs.model import ALL_INDEX, KIND_INDEX, OPEN_INDEX, STATUS_INDEX, projected
from chalicelib.records.query import USER_INDEX
from chalicelib.records.tables import TABLES

DLQ_RETENTION_SECONDS = 14 * 24 * 3600
# DynamoDB deletes an item some time after the epoch seconds in this attribute, on the tables that
# grow with use: jobs and import rows get it RETENTION_DAYS after they are written or last finish
# (chalicelib.jobs.store, chalicelib.imports.ledger).
TTL_ATTRIBUTE = "expires_at"
# Uploaded inputs are only read by their job: S3 deletes them after this many days.
UPLOAD_PREFIXES = (files.UPLOADS, files.IMPORTS)
UPLOAD_EXPIRY_DAYS = 7
# Parts of multipart uploads that never completed (a worker that died mid-upload).
ABORT_MULTIPART_DAYS = 1


def _string_keys(*names: str) -> list[dict[str, str]]:
    return [{"AttributeName": name, "AttributeType": "S"} for name in names]


def _key(hash_key: str, range_key: str | None = None) -> list[dict[str, str]]:
    schema = [{"AttributeName": hash_key, "KeyType": "HASH"}]
    if range_key:
        schema.append({"AttributeName": range_key, "KeyType": "RANGE"})
    return schema


def table_definitions(settings: Settings) -> list[dict[str, Any]]:
    """``CreateTable`` requests, on-demand billing."""
    jobs = {
        "TableName": settings.jobs_table,
        "AttributeDefinitions": _string_keys("id", "kind", "status", "list_key", "created_key", "open_key", "due_at"),
        "KeySchema": _key("id"),
        "GlobalSecondaryIndexes": [
            # The listings (GET /jobs, GET /calculations): every job, by kind, by status; newest first.
            *(
                {
                    "IndexName": name,
                    "KeySchema": _key(hash_key, "created_key"),
                    "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": projected(hash_key)},
                }
                for name, hash_key in ((KIND_INDEX, "kind"), (STATUS_INDEX, "status"), (ALL_INDEX, "list_key"))
            ),
            {
                # Sparse: only open jobs have ``open_key``; the sweeper's range query on ``due_at``.
                "IndexName": OPEN_INDEX,
                "KeySchema": _key("open_key", "due_at"),
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            },
        ],
    }
    datasets = {
        "TableName": settings.datasets_table,
        "AttributeDefinitions": _string_keys("name"),
        "KeySchema": _key("name"),
    }
    records = [
        {
            "TableName": settings.records_table(table.name),
            "AttributeDefinitions": _string_keys("day", "recency", "user_id"),
            "KeySchema": _key("day", "recency"),
            "GlobalSecondaryIndexes": [
                {
                    "IndexName": USER_INDEX,
                    "KeySchema": _key("user_id", "recency"),
                    "Projection": {"ProjectionType": "ALL"},
                }
            ],
        }
        for table in TABLES.values()
    ]
    limits = {
        "TableName": settings.limits_table,
        "AttributeDefinitions": _string_keys("name"),
        "KeySchema": _key("name"),
    }
    import_rows = {
        "TableName": settings.import_rows_table,
        "AttributeDefinitions": [*_string_keys("import_id"), {"AttributeName": "line", "AttributeType": "N"}],
        "KeySchema": _key("import_id", "line"),
    }
    tables = (jobs, datasets, *records, limits, import_rows)
    return [{**table, "BillingMode": "PAY_PER_REQUEST"} for table in tables]


def ttl_tables(settings: Settings) -> list[str]:
    """The tables with a time to live on ``TTL_ATTRIBUTE``."""
    return [settings.jobs_table, settings.import_rows_table]


def lifecycle_rules(settings: Settings) -> list[dict[str, Any]]:
    """The files bucket's lifecycle, as S3's API takes it (the template converts it): uploads go
    after a week; results a day after the job records that point at them (``retention_days``)."""
    expiry = {prefix: UPLOAD_EXPIRY_DAYS for prefix in UPLOAD_PREFIXES} | {files.RESULTS: settings.retention_days + 1}
    rules: list[dict[str, Any]] = [
        {
            "ID": f"expire-{prefix.rstrip('/')}",
            "Filter": {"Prefix": prefix},
            "Status": "Enabled",
            "Expiration": {"Days": days},
        }
        for prefix, days in expiry.items()
    ]
    rules.append(
        {
            "ID": "abort-incomplete-multipart",
            "Filter": {"Prefix": ""},
            "Status": "Enabled",
            "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": ABORT_MULTIPART_DAYS},
        }
    )
    return rules


def provision(settings: Settings, dynamodb: Any, sqs: Any, s3: Any) -> list[str]:
    """Create what is missing; return a line per resource saying what was done."""
    done = [_ensure_table(dynamodb, request) for request in table_definitions(settings)]
    done += [_ensure_ttl(dynamodb, table) for table in ttl_tables(settings)]
    done += _ensure_queues(settings, sqs)
    done.append(_ensure_bucket(settings, s3))
    return done


def _ensure_table(dynamodb: Any, request: dict[str, Any]) -> str:
    name = request["TableName"]
    try:
        dynamodb.create_table(**request)
    except dynamodb.exceptions.ResourceInUseException:
        return _ensure_indexes(dynamodb, request)
    dynamodb.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 60})
    return f"table {name}: created"


def _ensure_indexes(dynamodb: Any, request: dict[str, Any]) -> str:
    """Add the indexes an existing table lacks (one per call, as DynamoDB allows; it builds them
    in the background, and queries on one answer once it is active)."""
    name = request["TableName"]
    existing = {
        index["IndexName"]
        for index in dynamodb.describe_table(TableName=name)["Table"].get("GlobalSecondaryIndexes", [])
    }
    missing = [index for index in request.get("GlobalSecondaryIndexes", []) if index["IndexName"] not in existing]
    if not missing:
        return f"table {name}: exists"
    dynamodb.update_table(
        TableName=name,
        AttributeDefinitions=request["AttributeDefinitions"],
        GlobalSecondaryIndexUpdates=[{"Create": missing[0]}],
    )
    return f"table {name}: exists, index {missing[0]['IndexName']} being added (run again for more)"


def _ensure_ttl(dynamodb: Any, table: str) -> str:
    current = dynamodb.describe_time_to_live(TableName=table)["TimeToLiveDescription"]
    if current.get("TimeToLiveStatus") not in ("ENABLED", "ENABLING"):
        dynamodb.update_time_to_live(
            TableName=table, TimeToLiveSpecification={"AttributeName": TTL_ATTRIBUTE, "Enabled": True}
        )
    return f"table {table}: time to live on {TTL_ATTRIBUTE}"


def _ensure_queues(settings: Settings, sqs: Any) -> list[str]:
    """The dead-letter queue, then every lane's job queue redriving to it."""
    dlq_url = sqs.create_queue(
        QueueName=settings.jobs_dlq, Attributes={"MessageRetentionPeriod": str(DLQ_RETENTION_SECONDS)}
    )["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    attributes = {
        "VisibilityTimeout": str(settings.visibility_timeout),
        "RedrivePolicy": json.dumps(
            {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": str(settings.max_receive_count)}
        ),
    }
    done = [f"queue {settings.jobs_dlq}: ready"]
    for name in settings.job_queues:
        url = sqs.create_queue(QueueName=name)["QueueUrl"]
        sqs.set_queue_attributes(QueueUrl=url, Attributes=attributes)
        done.append(
            f"queue {name}: ready (visibility {settings.visibility_timeout}s, "
            f"dead-letter after {settings.max_receive_count} receives)"
        )
    return done


# The web page PUTs large files to presigned URLs from its own origin: the browser asks first
# (a CORS preflight). The signature in the URL is the permission, so any origin may ask.
BUCKET_CORS = {
    "CORSRules": [{"AllowedOrigins": ["*"], "AllowedMethods": ["PUT"], "AllowedHeaders": ["*"], "MaxAgeSeconds": 3600}]
}


def _ensure_bucket(settings: Settings, s3: Any) -> str:
    """The files bucket: private, encrypted at rest, uploads expiring (the template does the same)."""
    name = settings.bucket
    try:
        s3.create_bucket(Bucket=name)
        done = "created"
    except (s3.exceptions.BucketAlreadyOwnedByYou, s3.exceptions.BucketAlreadyExists):
        done = "exists"
    s3.put_public_access_block(
        Bucket=name,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )
    s3.put_bucket_encryption(
        Bucket=name,
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
        },
    )
    s3.put_bucket_lifecycle_configuration(Bucket=name, LifecycleConfiguration={"Rules": lifecycle_rules(settings)})
    s3.put_bucket_cors(Bucket=name, CORSConfiguration=BUCKET_CORS)
    return (
        f"bucket {name}: {done} (private, encrypted, uploads expire after {UPLOAD_EXPIRY_DAYS} days,"
        " browsers may PUT to presigned URLs)"
    )
