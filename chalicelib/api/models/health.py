"""``GET /health``."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from chalicelib.api.models.common import Answer


class Health(Answer):
    status: Literal["ok"]
    stage: str
    time: datetime
