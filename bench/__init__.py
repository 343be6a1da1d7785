"""Benchmarks of the job service on a private local stack: ``python -m bench [--quick]`` (``make bench``).

One module per measurement, each saying what it measures and why:

    stack   start and stop the local stack on free ports (never the ``make run`` port 8000)
    data    the CSV files: a small data set (10,000 sales) and the full one
    load    load time of both records tables through ``load_csv(..., threads=8)``
    logs    ``GET /logs`` latency over real HTTP, on the small and on the full table
    metric  ``calculate_metric_plain`` against ``calculate_metric``, in this process
    jobs    the service's overhead around one metric job (launch -> succeeded seen)
    calculations  the calculation kernel's speed (in this process), calculations sent back to back,
            and ``GET /calculations`` latency with 100 and with 10,000 calculations stored
    report  the targets, PASS/FAIL, and ``bench/results.md``

The benchmark pins ``STAGE=local`` and ``RESOURCE_PREFIX=jobsvc-local`` before any ``chalicelib``
module reads its settings; the stack's processes inherit this environment, so the API, the
worker and this process always use the same resource names, whatever the shell exports.
"""

from __future__ import annotations

import os

os.environ["STAGE"] = "local"
os.environ["RESOURCE_PREFIX"] = "jobsvc-local"
