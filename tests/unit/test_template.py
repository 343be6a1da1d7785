"""The CloudFormation template merged into Chalice's: the same tables as the code, the queue's
timing against the worker's, the bucket's protections, the API key only where the stage asks."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.imports.items import ImportItem
from chalicelib.jobs.model import Job
from chalicelib.records.datasets import Dataset
from infra.resources import table_definitions
from infra.stages import STAGES, stage
from infra.template import (
    DEAD_LETTERS_EVENT,
    DEAD_LETTERS_RESOURCE,
    IMPORTS_WORKER_EVENT,
    IMPORTS_WORKER_RESOURCE,
    WORKER_EVENT,
    WORKER_RESOURCE,
    merge_template,
)


def resources(stage_name: str, kind: str) -> dict[str, dict[str, Any]]:
    template = merge_template(stage(stage_name))
    return {name: r["Properties"] for name, r in template["Resources"].items() if r.get("Type") == kind}


def shape(table: dict[str, Any]) -> dict[str, Any]:
    """Keys and indexes, order-free, from a template table or a PynamoDB schema."""

    def keys(schema: list[dict[str, str]]) -> set[tuple[str, str]]:
        return {(key["AttributeName"], key["KeyType"]) for key in schema}

    indexes = table.get("GlobalSecondaryIndexes") or table.get("global_secondary_indexes") or []
    return {
        "attributes": {
            (a["AttributeName"], a["AttributeType"])
            for a in table.get("AttributeDefinitions") or table["attribute_definitions"]
        },
        "key": keys(table.get("KeySchema") or table["key_schema"]),
        "indexes": {
            (index.get("IndexName") or index["index_name"]): (
                keys(index.get("KeySchema") or index["key_schema"]),
                index.get("Projection") or index["projection"],
            )
            for index in indexes
        },
    }


@pytest.mark.parametrize("stage_name", STAGES)
def test_the_template_creates_the_tables_provisioning_creates(stage_name):
    tables = {props["TableName"]: props for props in resources(stage_name, "AWS::DynamoDB::Table").values()}
    requests = {request["TableName"]: request for request in table_definitions(stage(stage_name).settings)}
    assert tables.keys() == requests.keys()
    for name, request in requests.items():
        assert shape(tables[name]) == shape(request), name
        assert tables[name]["BillingMode"] == "PAY_PER_REQUEST"


def test_the_pynamodb_models_find_their_keys_and_index_in_the_template():
    tables = {props["TableName"]: props for props in resources("prod", "AWS::DynamoDB::Table").values()}
    settings = stage("prod").settings
    assert shape(tables[settings.jobs_table]) == shape(dict(Job._get_schema()))
    assert shape(tables[settings.datasets_table]) == shape(dict(Dataset._get_schema()))
    assert shape(tables[settings.import_rows_table]) == shape(dict(ImportItem._get_schema()))


def test_the_tables_the_code_reads_with_boto3_have_the_keys_it_uses():
    settings = stage("prod").settings
    tables = {props["TableName"]: shape(props) for props in resources("prod", "AWS::DynamoDB::Table").values()}
    assert tables[settings.limits_table]["key"] == {("name", "HASH")}
    for name in ("sales", "sales_detail"):
        records = tables[settings.records_table(name)]
        assert records["key"] == {("day", "HASH"), ("recency", "RANGE")}
        assert records["indexes"]["by_user"][0] == {("user_id", "HASH"), ("recency", "RANGE")}


@pytest.mark.parametrize("stage_name", STAGES)
@pytest.mark.parametrize(
    ("logical_id", "lane", "function"), [("JobsQueue", "jobs", "run_jobs"), ("ImportsQueue", "imports", "run_imports")]
)
def test_a_message_stays_invisible_longer_than_the_worker_may_run(stage_name, logical_id, lane, function):
    # Otherwise SQS hands a job to a second worker while the first still runs it. Each lane's queue
    # redrives to the one dead-letter queue.
    current = stage(stage_name)
    queue = resources(stage_name, "AWS::SQS::Queue")[logical_id]
    assert queue["QueueName"] == current.settings.queue(lane)
    assert queue["VisibilityTimeout"] == current.settings.visibility_timeout
    assert current.functions[function].timeout < queue["VisibilityTimeout"]
    assert queue["RedrivePolicy"]["maxReceiveCount"] == current.settings.max_receive_count
    assert queue["RedrivePolicy"]["deadLetterTargetArn"] == {"Fn::GetAtt": ["JobsDeadLetterQueue", "Arn"]}
    assert resources(stage_name, "AWS::SQS::Queue")["JobsDeadLetterQueue"]["QueueName"] == current.settings.jobs_dlq


def test_an_import_slice_ends_well_within_the_lease():
    settings = stage("prod").settings
    assert settings.import_slice_seconds <= settings.visibility_timeout / 2


@pytest.mark.parametrize(
    ("function", "event_name"),
    [
        (WORKER_RESOURCE, WORKER_EVENT),
        (IMPORTS_WORKER_RESOURCE, IMPORTS_WORKER_EVENT),
        (DEAD_LETTERS_RESOURCE, DEAD_LETTERS_EVENT),
    ],
)
def test_every_queue_handler_reports_partial_batch_failures(function, event_name):
    template = merge_template(stage("prod"))
    event = template["Resources"][function]["Properties"]["Events"][event_name]["Properties"]
    assert event["FunctionResponseTypes"] == ["ReportBatchItemFailures"]


def test_the_bucket_is_private_encrypted_and_forgets_uploads():
    bucket = resources("prod", "AWS::S3::Bucket")["FilesBucket"]
    assert bucket["BucketName"] == stage("prod").settings.bucket
    assert all(bucket["PublicAccessBlockConfiguration"].values())
    assert bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]
    expiring = {
        rule["Prefix"]: rule["ExpirationInDays"]
        for rule in bucket["LifecycleConfiguration"]["Rules"]
        if "ExpirationInDays" in rule
    }
    # Results outlive the job records that point at them (deleted by DynamoDB's TTL) by a day.
    assert expiring == {"uploads/": 7, "imports/": 7, "results/": stage("prod").settings.retention_days + 1}


@pytest.mark.parametrize(("stage_name", "with_key"), [("local", False), ("dev", True), ("prod", True)])
def test_an_api_key_and_usage_plan_exist_where_the_stage_requires_a_key(stage_name, with_key):
    template = merge_template(stage(stage_name))
    assert stage(stage_name).settings.api_key_required is with_key
    assert ("ApiKey" in template["Resources"]) is with_key
    assert ("UsagePlanKey" in template["Resources"]) is with_key


@pytest.mark.parametrize("stage_name", STAGES)
def test_the_sweeper_waits_for_the_queue_to_redeliver_first(stage_name):
    # A message that comes back after its visibility timeout (or a lease that ends with its
    # worker's timeout) must find the job before the sweeper sends its message again.
    current = stage(stage_name)
    settings = current.settings
    assert settings.sweep_grace_seconds > settings.visibility_timeout > current.functions["run_jobs"].timeout
    assert settings.sweep_max_resends >= 1
