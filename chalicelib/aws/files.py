"""The files bucket (S3): uploads, results, presigned URLs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from boto3.s3.transfer import TransferConfig
from botocore.exceptions import ClientError

from chalicelib.aws import clients
from chalicelib.config import get_settings

# Multipart above 64 MB, 4 parts at a time: large results stream to S3 without a big buffer.
_TRANSFER = TransferConfig(multipart_threshold=64 << 20, multipart_chunksize=64 << 20, max_concurrency=4)
URL_SECONDS = 3600
# The bucket's folders, each with its own lifetime (infra/resources.py) and grants (infra/iam.py).
UPLOADS = "uploads/"  # report inputs: PUT through a presigned URL, or by POST /reports
IMPORTS = "imports/"  # import inputs, written by POST /imports
RESULTS = "results/"  # results too large for a job record (jobs.results) and report totals (kinds.report)


def size_of(key: str) -> int | None:
    """The object's size in bytes, or None when there is no such object."""
    try:
        return int(clients.s3().head_object(Bucket=get_settings().bucket, Key=key)["ContentLength"])
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            return None
        raise


def put_bytes(key: str, body: bytes, content_type: str = "text/csv") -> None:
    clients.s3().put_object(Bucket=get_settings().bucket, Key=key, Body=body, ContentType=content_type)


def download(key: str, path: Path, on_bytes: Callable[[int], None] | None = None) -> None:
    clients.s3().download_file(get_settings().bucket, key, str(path), Config=_TRANSFER, Callback=on_bytes)


def upload(path: Path, key: str, content_type: str = "text/csv") -> None:
    clients.s3().upload_file(
        str(path), get_settings().bucket, key, Config=_TRANSFER, ExtraArgs={"ContentType": content_type}
    )


def upload_url(key: str, size: int, content_type: str = "text/csv") -> str:
    """A presigned PUT for exactly ``size`` bytes (S3 checks the signed Content-Length)."""
    return str(
        clients.s3().generate_presigned_url(
            "put_object",
            Params={"Bucket": get_settings().bucket, "Key": key, "ContentLength": size, "ContentType": content_type},
            ExpiresIn=URL_SECONDS,
        )
    )


def download_url(key: str, filename: str) -> str:
    """A presigned GET that downloads the object as ``filename``."""
    return str(
        clients.s3().generate_presigned_url(
            "get_object",
            Params={
                "Bucket": get_settings().bucket,
                "Key": key,
                "ResponseContentDisposition": f'attachment; filename="{filename}"',
            },
            ExpiresIn=URL_SECONDS,
        )
    )
