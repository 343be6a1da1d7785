"""Results too large for a DynamoDB item are kept in S3 and returned all the same."""

from __future__ import annotations

from chalicelib.jobs import results, store
from chalicelib.jobs.registry import KINDS


def test_a_large_result_goes_to_s3_and_comes_back_whole(aws: None) -> None:
    job = store.new_job(KINDS["metric"], {})
    claim = store.claim(job.id, lease_seconds=60)
    assert claim.job is not None
    big = [{"row": number, "text": "x" * 50} for number in range(10_000)]  # ~0.6 MB of JSON

    assert store.succeed(claim.job, claim.attempt, big, 1.0)

    stored = store.get_job(job.id)
    assert stored.result is None and stored.result_key == f"results/{job.id}.json"
    assert store.result_of(stored) == big


def test_a_small_result_stays_in_the_record(aws: None) -> None:
    assert results.store("job", "12345") == results.StoredResult(inline="12345")
