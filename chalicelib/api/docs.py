"""``GET /openapi.json`` (the OpenAPI document, built from the routes' models) and ``GET /docs``
(Swagger UI on it, served from files vendored under ``chalicelib/web``: nothing from the internet)."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from chalice.app import Blueprint, Response

from chalicelib.api.contract import operation
from chalicelib.api.openapi import document
from chalicelib.errors import NotFound

bp = Blueprint(__name__)
WEB = Path(__file__).resolve().parents[1] / "web"
PAGE = WEB / "docs" / "docs.html"
# What /docs/{asset} serves: the page's script and Swagger UI's own files (swagger-ui-dist on npm).
ASSETS = {
    "docs.js": WEB / "docs" / "docs.js",
    "swagger-ui-bundle.js": WEB / "vendor" / "swagger-ui" / "swagger-ui-bundle.js",
    "swagger-ui.css": WEB / "vendor" / "swagger-ui" / "swagger-ui.css",
}
TYPES = {".js": "application/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}
CACHED = {"Cache-Control": "public, max-age=3600"}


@bp.route("/openapi.json", methods=["GET"])
@operation(bp, "This document: OpenAPI 3.1", {200: None}, answer_schema={"type": "object"})
def openapi() -> dict[str, Any]:
    return _document()


@bp.route("/docs", methods=["GET"])
@operation(bp, "The document in Swagger UI", {200: None}, answer_types=("text/html",), answer_schema={"type": "string"})
def docs() -> Response:
    return Response(body=_text(PAGE), headers={"Content-Type": "text/html; charset=utf-8"})


@bp.route("/docs/{asset}", methods=["GET"])
@operation(
    bp,
    "The viewer's scripts and styles",
    {200: None},
    path={"type": "string", "enum": sorted(ASSETS)},
    answer_types=tuple(sorted(set(TYPES.values()))),
    answer_schema={"type": "string"},
)
def asset(asset: str) -> Response:
    path = ASSETS.get(asset)
    if path is None:
        raise NotFound(f"asset: no file {asset[:100]!r}; known: {', '.join(sorted(ASSETS))}")
    return Response(body=_text(path), headers={"Content-Type": TYPES[path.suffix], **CACHED})


@cache
def _document() -> dict[str, Any]:
    return document(bp.current_app)


@cache
def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8")
