"""Who may call what: an API key on every route that reads or changes data, where the stage asks for one.

Every route is classified here, once, after the blueprints are registered: the few routes for
people (``OPEN``: the page, its files, the API's document and its viewer, ``/health``) stay open,
and every other route needs the key, so a route added later is covered without anyone remembering
to mark it. In the deployed stages API Gateway checks the key (``x-api-key`` header) against the
stage's usage plan. ``chalice local`` checks no keys: when ``LOCAL_API_KEY`` is set, the app itself
answers as API Gateway would (403 ``{"message": "Forbidden"}``) to a request without that key.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable

from chalice.app import Chalice, Request, Response

from chalicelib.config import get_settings

HEADER = "x-api-key"
# ``METHOD /path`` (Chalice's route, with its {parameters}) of each route anyone may call.
OPEN = frozenset({"GET /", "GET /static/{name}", "GET /docs", "GET /docs/{asset}", "GET /openapi.json", "GET /health"})
# API Gateway's own answer to a request without a valid key.
FORBIDDEN_BODY = {"message": "Forbidden"}


def needs_key(method: str, path: str) -> bool:
    """True for each route but the open ones: reads of data need the key as much as changes do."""
    return f"{method.upper()} {path}" not in OPEN


def routes(app: Chalice) -> list[str]:
    """Every route of ``app`` as ``METHOD /path``, sorted."""
    return sorted(f"{method} {path}" for path, methods in app.routes.items() for method in methods)


def require_api_key(app: Chalice, required: bool) -> list[str]:
    """Mark the routes that need the key (``mark_routes``) and register the app's own check of
    ``LOCAL_API_KEY`` (``check_local_key``); the marked routes."""
    marked = mark_routes(app, required)
    app.register_middleware(check_local_key, "http")
    return marked


def mark_routes(app: Chalice, required: bool) -> list[str]:
    """Set ``api_key_required`` (what API Gateway enforces) on every route that needs the key, to
    ``required``; return those routes as ``METHOD /path``."""
    marked = []
    for path, methods in app.routes.items():
        for method, entry in methods.items():
            entry.api_key_required = required and needs_key(method, path)
            if needs_key(method, path):
                marked.append(f"{method} {path}")
    return sorted(marked)


def check_local_key(request: Request, get_response: Callable[[Request], Response]) -> Response:
    """Middleware: where ``LOCAL_API_KEY`` is set, a request to a route that needs the key without
    exactly that ``x-api-key`` gets API Gateway's 403 and never reaches the route."""
    expected = get_settings().local_api_key
    if expected and needs_key(request.method, request.path) and not key_matches(request.headers.get(HEADER), expected):
        return Response(body=FORBIDDEN_BODY, status_code=403, headers={"Content-Type": "application/json"})
    return get_response(request)


def key_matches(given: str | None, expected: str) -> bool:
    """The header's value is the key (compared in constant time, so timing does not reveal it)."""
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())
