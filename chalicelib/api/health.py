"""``GET /health``: the API is up, and which stage it is."""

from __future__ import annotations

from chalice.app import Blueprint

from chalicelib import clock
from chalicelib.api.contract import operation
from chalicelib.api.models.health import Health
from chalicelib.config import get_settings

bp = Blueprint(__name__)


@bp.route("/health", methods=["GET"])
@operation(bp, "The API is up", {200: Health})
def health() -> dict[str, str]:
    return {"status": "ok", "stage": get_settings().stage, "time": clock.now_iso()}
