"""One-off: put ``list_key`` on job records written before it existed, so ``GET /jobs`` lists them.

``by_created`` (every job, newest first) is keyed on ``list_key``; DynamoDB leaves a record without
it out of the index. Records written since the index came carry it (``Job.list_key``'s default).
Older ones in a deployed table need this once: a Scan for records without it (run by hand, never
by a request), then one conditional update each (a record deleted meanwhile, by its time to live,
is not written back). Idempotent: run it again and it updates 0.

``python -m infra.backfill`` against whatever endpoint the environment points at.
"""

from __future__ import annotations

from typing import Any

from chalicelib.aws import clients
from chalicelib.config import get_settings
from chalicelib.jobs.model import EVERY_JOB


def backfill_list_key(dynamodb: Any, table: str) -> int:
    """Set ``list_key`` on every record of ``table`` that lacks it; how many were updated."""
    updated = 0
    pages = dynamodb.get_paginator("scan").paginate(
        TableName=table, FilterExpression="attribute_not_exists(list_key)", ProjectionExpression="id"
    )
    for page in pages:
        for item in page["Items"]:
            try:
                dynamodb.update_item(
                    TableName=table,
                    Key={"id": item["id"]},
                    UpdateExpression="SET list_key = :all",
                    ConditionExpression="attribute_exists(id) AND attribute_not_exists(list_key)",
                    ExpressionAttributeValues={":all": {"S": EVERY_JOB}},
                )
                updated += 1
            except dynamodb.exceptions.ConditionalCheckFailedException:
                pass  # deleted meanwhile, or set by another run
    return updated


def main() -> None:
    table = get_settings().jobs_table
    print(f"table {table}: list_key set on {backfill_list_key(clients.dynamodb(), table):,} job records")


if __name__ == "__main__":
    main()
