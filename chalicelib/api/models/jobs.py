"""``GET /jobs/{job_id}``: any job's record."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from chalicelib.api.models.common import StatusView


class JobRecord(StatusView):
    kind: str = Field(description="metric, calculation, report or import.")
    params: dict[str, Any] = Field(description="The validated parameters the job runs with.")
    started_at: datetime | None
    attempts: int = Field(ge=0, description="Deliveries that claimed the job.")
    error: str | None = Field(default=None, description="The last error, even while a retry is pending.")
