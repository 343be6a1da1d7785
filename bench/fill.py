"""Filling the jobs table for a listing benchmark: how many records one of its indexes holds, and
what writing them cost (bench.listing for GET /jobs, bench.calculations for GET /calculations)."""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.aws import clients
from chalicelib.jobs.model import Job


@dataclass(frozen=True)
class Fill:
    written: int  # records written to reach ``stored``
    stored: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.written / self.seconds if self.seconds else 0.0


def count_in_index(index: str, key: str, value: str) -> int:
    """The jobs in ``index`` whose hash key ``key`` is ``value`` (a paginated ``Select=COUNT`` Query)."""
    pages = (
        clients.dynamodb()
        .get_paginator("query")
        .paginate(
            TableName=Job.Meta.table_name,
            IndexName=index,
            KeyConditionExpression="#k = :v",
            ExpressionAttributeNames={"#k": key},
            ExpressionAttributeValues={":v": {"S": value}},
            Select="COUNT",
        )
    )
    return sum(int(page["Count"]) for page in pages)
