"""``GET /health``: the API is up, which stage it is, and what waits for the workers (counts only)."""

from __future__ import annotations

from dataclasses import asdict

from chalice.app import Blueprint

from chalicelib import clock
from chalicelib.api.contract import operation
from chalicelib.api.models.health import Health
from chalicelib.config import get_settings
from chalicelib.jobs.backlog import backlog

bp = Blueprint(__name__)


@bp.route("/health", methods=["GET"])
@operation(bp, "The API is up; the queues' depths and the oldest queued job's age", {200: Health})
def health() -> Health:
    waiting = backlog()
    return Health.model_validate(
        {
            "status": "ok",
            "stage": get_settings().stage,
            "time": clock.now_iso(),
            "queues": {lane: None if depth is None else asdict(depth) for lane, depth in waiting.lanes.items()},
            "dead_letters": None if waiting.dead_letters is None else asdict(waiting.dead_letters),
            "oldest_queued_seconds": waiting.oldest_queued_seconds,
            "unavailable": waiting.unavailable,
        }
    )
