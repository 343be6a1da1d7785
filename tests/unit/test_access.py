"""Who may call what: every route but the page, its files, the docs and /health asks for the API key
where the stage says so, and a route added later (a GET too) asks for it without being marked."""

from __future__ import annotations

import pytest
from chalice.app import Chalice

from app import app as service
from chalicelib.access import OPEN, mark_routes, needs_key, routes

# What people open without a key (the list); every other route reads or changes data.
PEOPLE = {"GET /", "GET /static/{name}", "GET /docs", "GET /docs/{asset}", "GET /openapi.json", "GET /health"}


def test_the_open_routes_are_the_page_its_files_the_docs_and_health_and_all_exist():
    assert OPEN == PEOPLE
    assert set(routes(service)) >= OPEN  # a renamed open route would otherwise ask for a key


def test_every_route_of_the_service_but_the_open_ones_is_marked_reads_included():
    # A copy of the routes' marks, so the app that other tests use is left as it is.
    before = {
        (path, method): entry.api_key_required for path, m in service.routes.items() for method, entry in m.items()
    }
    try:
        marked = mark_routes(service, True)
        assert set(marked) == set(routes(service)) - PEOPLE
        assert {"GET /jobs/{job_id}", "GET /logs", "GET /get_result", "GET /imports/{import_id}/results"} <= set(marked)
        assert {"POST /launch", "POST /calculations", "POST /reports", "POST /imports"} <= set(marked)
        for path, methods in service.routes.items():
            for method, entry in methods.items():
                assert bool(entry.api_key_required) is (f"{method} {path}" not in PEOPLE), f"{method} {path}"
    finally:
        for (path, method), value in before.items():
            service.routes[path][method].api_key_required = value


def test_no_route_needs_the_key_where_the_stage_does_not_ask_for_it():
    before = {
        (path, method): entry.api_key_required for path, m in service.routes.items() for method, entry in m.items()
    }
    try:
        mark_routes(service, False)
        assert not any(entry.api_key_required for m in service.routes.values() for entry in m.values())
    finally:
        for (path, method), value in before.items():
            service.routes[path][method].api_key_required = value


@pytest.mark.parametrize("required", [True, False])
def test_a_route_added_later_is_covered_too_a_read_included(required):
    app = Chalice(app_name="t")

    @app.route("/things", methods=["POST", "GET"])
    def things() -> dict[str, str]:
        return {}

    @app.route("/health", methods=["GET"])
    def health() -> dict[str, str]:
        return {}

    assert mark_routes(app, required) == ["GET /things", "POST /things"]
    assert app.routes["/things"]["POST"].api_key_required is required
    assert app.routes["/things"]["GET"].api_key_required is required
    assert not app.routes["/health"]["GET"].api_key_required


@pytest.mark.parametrize(("method", "path"), [("get", "/"), ("GET", "/health"), ("GET", "/docs/{asset}")])
def test_open_routes_need_no_key_whatever_the_methods_case(method, path):
    assert not needs_key(method, path)
    assert needs_key("POST", path)
