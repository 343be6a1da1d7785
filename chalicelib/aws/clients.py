"""boto3 clients, built lazily and once per process (never at import, so tests can swap AWS).

The endpoint is not set here: boto3 reads ``AWS_ENDPOINT_URL`` and
``AWS_ENDPOINT_URL_<SERVICE>`` from the environment, so local stacks need no code path.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import lru_cache
from typing import TYPE_CHECKING

import boto3
from botocore.config import Config
from pynamodb.models import Model

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


# What ``reset`` forgets besides the clients: caches built on a client or an endpoint elsewhere
# (each module registers its own, so the list cannot fall behind the code).
_FORGET: list[Callable[[], None]] = []


def on_reset(forget: Callable[[], None]) -> None:
    """Have ``reset`` call ``forget`` too: for a cache that holds a client, a connection or
    something looked up through one (a queue's URL)."""
    _FORGET.append(forget)


def _models(base: type[Model] = Model) -> Iterator[type[Model]]:
    """Every PynamoDB model class defined so far (subclasses of subclasses too)."""
    for model in base.__subclasses__():
        yield model
        yield from _models(model)


def reset() -> None:
    """Forget every cached client, model connection and lookup made through them (a process that
    switches endpoints calls this: the tests, ``make run``, the benchmarks)."""
    for factory in (dynamodb, sqs, sqs_probe, s3):
        factory.cache_clear()
    for model in _models():
        # PynamoDB keeps a model's connection on its class, built for the endpoint of its first
        # call, and has no public way to drop it: this is the one place that knows its name.
        model._connection = None
    for forget in _FORGET:
        forget()
