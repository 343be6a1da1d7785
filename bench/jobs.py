"""The job service's overhead: a metric job's wall time (launch -> succeeded seen) minus its compute.

Why: a client waits for queueing, the worker's claim, result storage and its own polling, on top of
the computation; the target is a p50 overhead under 500 ms. Jobs run one after another: POST
/launch, then GET /get_result every 10 ms until ``succeeded``; the compute time is the ``duration``
the worker stored on the job (GET /jobs/{id}).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from urllib.parse import quote

from bench.api import ApiError, call, expect
from bench.stats import percentile

POLL_SECONDS = 0.010
JOB_TIMEOUT_SECONDS = 120.0


@dataclass(frozen=True)
class JobTiming:
    wall: float
    duration: float

    @property
    def overhead(self) -> float:
        return self.wall - self.duration


@dataclass(frozen=True)
class JobsResult:
    jobs: int
    wall_ms: tuple[float, float]  # p50, p90
    duration_ms: tuple[float, float]
    overhead_ms: tuple[float, float]


def run_job(api_url: str, index: int) -> JobTiming:
    started = time.perf_counter()
    launched = expect(call(api_url, "POST", "/launch", {"name": f"bench-{index}"}), 202, "POST /launch")
    job_id = str(launched.body["job_id"])
    path = f"/get_result?job_id={quote(job_id)}"
    while True:
        status = expect(call(api_url, "GET", path), 200, f"GET {path}").body["status"]
        if status == "succeeded":
            wall = time.perf_counter() - started
            break
        if status in ("failed", "cancelled"):
            raise ApiError(f"job {job_id} ended {status}")
        if time.perf_counter() - started > JOB_TIMEOUT_SECONDS:
            raise ApiError(f"job {job_id} still {status} after {JOB_TIMEOUT_SECONDS:.0f} s")
        time.sleep(POLL_SECONDS)
    job = expect(call(api_url, "GET", f"/jobs/{quote(job_id)}"), 200, f"GET /jobs/{job_id}").body
    return JobTiming(wall, float(job["duration"]))


def _p50_p90_ms(seconds: list[float]) -> tuple[float, float]:
    ms = [1000 * value for value in seconds]
    return percentile(ms, 50), percentile(ms, 90)


def measure(api_url: str, jobs: int) -> JobsResult:
    timings = [run_job(api_url, index) for index in range(jobs)]
    result = JobsResult(
        jobs,
        _p50_p90_ms([timing.wall for timing in timings]),
        _p50_p90_ms([timing.duration for timing in timings]),
        _p50_p90_ms([timing.overhead for timing in timings]),
    )
    print(
        f"  {jobs} jobs: wall p50 {result.wall_ms[0]:.0f} ms, compute p50 {result.duration_ms[0]:.0f} ms, "
        f"overhead p50 {result.overhead_ms[0]:.0f} ms, p90 {result.overhead_ms[1]:.0f} ms"
    )
    return result
