"""boto3 clients, built lazily and once per process (never at import, so tests can swap AWS).

The endpoint is not set here: boto3 reads ``AWS_ENDPOINT_URL`` and
``AWS_ENDPOINT_URL_<SERVICE>`` from the environment, so local stacks need no code path.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

import boto3
from botocore.config import Config

from chalicelib.config import get_settings

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sqs import SQSClient

# Enough pooled connections for the loader's threads; standard retries back off on throttling.
_CONFIG = Config(max_pool_connections=32, retries={"max_attempts": 5, "mode": "standard"})


@lru_cache(maxsize=1)
def dynamodb() -> DynamoDBClient:
    return boto3.client("dynamodb", region_name=get_settings().region, config=_CONFIG)


@lru_cache(maxsize=1)
def sqs() -> SQSClient:
    return boto3.client("sqs", region_name=get_settings().region, config=_CONFIG)


@lru_cache(maxsize=1)
def sqs_probe() -> SQSClient:
    """SQS for a health check: short timeouts and one try, so an unreachable SQS answers in
    seconds instead of holding the request through retries."""
    config = _CONFIG.merge(Config(connect_timeout=2, read_timeout=2, retries={"max_attempts": 1, "mode": "standard"}))
    return boto3.client("sqs", region_name=get_settings().region, config=config)


@lru_cache(maxsize=1)
def s3() -> S3Client:
    # SigV4 for presigned URLs too (botocore would presign with SigV2 in us-east-1): it signs the
    # upload's Content-Length, newer buckets accept nothing else, and a browser's CORS preflight
    # carries no Content-Type, which moto checks against a SigV2 URL's content-type parameter.
    return boto3.client("s3", region_name=get_settings().region, config=_CONFIG.merge(Config(signature_version="s3v4")))


def reset() -> None:
    """Forget the clients (tests that switch endpoints call this)."""
    for factory in (dynamodb, sqs, sqs_probe, s3):
        factory.cache_clear()
