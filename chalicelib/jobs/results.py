"""Where a job's result lives: inline in the record, or in S3 when too large for an item.

A DynamoDB item holds at most 400 KB; results above ``INLINE_LIMIT`` bytes of JSON go to
``results/{job_id}.json`` in the files bucket and the record keeps the key.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from chalicelib.aws import clients, files
from chalicelib.config import get_settings

INLINE_LIMIT = 300_000


@dataclass(frozen=True)
class StoredResult:
    inline: Any = None
    key: str | None = None


def store(job_id: str, result: Any) -> StoredResult:
    body = json.dumps(result, separators=(",", ":"))
    if len(body.encode()) <= INLINE_LIMIT:
        return StoredResult(inline=result)
    key = key_of(job_id)
    clients.s3().put_object(Bucket=get_settings().bucket, Key=key, Body=body.encode(), ContentType="application/json")
    return StoredResult(key=key)


def key_of(job_id: str) -> str:
    """Where a result too large for the job record is stored."""
    return f"{files.RESULTS}{job_id}.json"


def load(key: str) -> Any:
    response = clients.s3().get_object(Bucket=get_settings().bucket, Key=key)
    return json.loads(response["Body"].read())
