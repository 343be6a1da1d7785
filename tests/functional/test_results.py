"""Results too large for a DynamoDB item are kept in S3 and returned all the same; a job past its
time to live is not found, whatever DynamoDB and S3 still hold of it."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from chalice.test import Client

from chalicelib.aws import clients
from chalicelib.config import get_settings
from chalicelib.jobs import results, store
from chalicelib.jobs.model import Job
from chalicelib.jobs.registry import KINDS


def test_a_large_result_goes_to_s3_and_comes_back_whole(aws: None) -> None:
    job = store.new_job(KINDS["metric"], {})
    claim = store.claim(job.id, 0, lease_seconds=60)
    assert claim.job is not None
    big = [{"row": number, "text": "x" * 50} for number in range(10_000)]  # ~0.6 MB of JSON

    assert store.succeed(claim.job, claim.attempt, big, 1.0)

    stored = store.get_job(job.id)
    assert stored.result is None
    assert stored.result_key == f"results/{job.id}.json"
    assert store.result_of(stored) == big


def test_a_small_result_stays_in_the_record(aws: None) -> None:
    assert results.store("job", "12345") == results.StoredResult(inline="12345")


def expired_job(kind: str, params: dict[str, Any]) -> Job:
    """A succeeded job whose record is past its time to live and whose S3 result is gone: DynamoDB
    deletes expired items lazily (up to days later), S3's lifecycle may already have run."""
    job = store.new_job(KINDS[kind], params)
    claim = store.claim(job.id, 0, lease_seconds=60)
    assert claim.job is not None
    assert store.succeed(claim.job, claim.attempt, {"rows": ["x" * 1000] * 400}, 1.0)
    stored = store.get_job(job.id)
    assert stored.result_key is not None
    clients.s3().delete_object(Bucket=get_settings().bucket, Key=stored.result_key)
    stored.update(actions=[Job.expires_at.set(int(time.time()) - 1)])
    return stored


@pytest.mark.parametrize(
    ("kind", "params", "paths"),
    [
        ("metric", {}, ["/get_result?job_id={id}", "/jobs/{id}"]),
        (
            "calculation",
            {"date_start": "2024-01-01", "date_fin": "2024-01-31", "lag": 7},
            ["/jobs/{id}", "/calculations/{id}"],
        ),
        ("report", {"upload_id": "0" * 32, "filename": "plays.csv"}, ["/jobs/{id}", "/reports/{id}"]),
        ("import", {"import_id": "0" * 32, "filename": "posts.csv"}, ["/jobs/{id}", "/imports/{id}"]),
    ],
)
def test_a_job_past_its_time_to_live_is_not_found(
    client: Client, kind: str, params: dict[str, Any], paths: list[str]
) -> None:
    job = expired_job(kind, params)
    for path in paths:
        response = client.http.get(path.format(id=job.id))
        assert response.status_code == 404, (path, response.body)
        assert job.id in json.loads(response.body)["Message"]
