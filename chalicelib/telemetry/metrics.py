"""Figures per kind of job, as CloudWatch Embedded Metric Format (EMF) lines.

One JSON line on stdout each time a job finishes (succeeded, failed, cancelled): CloudWatch turns
it into the metrics ``count`` and ``duration`` (seconds) of namespace ``jobsvc``, by ``kind`` and
``status``; locally the line lands in the worker's log, where ``make stats`` reads it. The job's
id and attempt ride along as properties (searchable in Logs Insights, not dimensions).
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

from chalicelib.telemetry import logs

NAMESPACE = "jobsvc"
DIMENSIONS = ("kind", "status")


def job_line(kind: str, status: str, duration: float | None, **properties: Any) -> dict[str, Any]:
    """The EMF object of one finished job (``duration``: the worker's measure, None if unknown,
    e.g. a job failed by the dead-letter handler; then the line counts it without a duration)."""
    metrics: list[dict[str, str]] = [{"Name": "count", "Unit": "Count"}]
    line: dict[str, Any] = {"kind": kind, "status": status, "count": 1}
    if duration is not None:
        metrics.append({"Name": "duration", "Unit": "Seconds"})
        line["duration"] = round(float(duration), 6)
    header = {
        "Timestamp": int(time.time() * 1000),
        "CloudWatchMetrics": [{"Namespace": NAMESPACE, "Dimensions": [list(DIMENSIONS)], "Metrics": metrics}],
    }
    return {"_aws": header, **line, **{k: v for k, v in properties.items() if v is not None}}


def job_finished(kind: str, status: str, duration: float | None, job_id: str, attempt: int | None = None) -> None:
    """Write the EMF line of a job that just finished (with the request id of the work in hand)."""
    request_id = logs.current().get("request_id")
    line = job_line(kind, status, duration, job_id=job_id, attempt=attempt, request_id=request_id)
    sys.stdout.write(json.dumps(line) + "\n")
    sys.stdout.flush()
