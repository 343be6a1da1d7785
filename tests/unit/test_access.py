"""Who may call what: the mutating routes ask for an API key where the stage says so."""

from __future__ import annotations

import pytest
from chalice.app import Chalice

from app import app as service
from chalicelib.access import require_api_key_on_mutations


def test_every_post_route_of_the_service_is_marked_and_no_get_route():
    # A copy of the routes' marks, so the app that other tests use is left as it is.
    before = {
        (path, method): entry.api_key_required for path, m in service.routes.items() for method, entry in m.items()
    }
    try:
        marked = require_api_key_on_mutations(service, True)
        assert {"POST /launch", "POST /calculations", "POST /reports", "POST /reports/uploads", "POST /imports"} <= set(
            marked
        )
        for path, methods in service.routes.items():
            for method, entry in methods.items():
                assert bool(entry.api_key_required) is (method == "POST"), f"{method} {path}"
    finally:
        for (path, method), value in before.items():
            service.routes[path][method].api_key_required = value


@pytest.mark.parametrize("required", [True, False])
def test_a_route_added_later_is_covered_too(required):
    app = Chalice(app_name="t")

    @app.route("/things", methods=["POST", "GET"])
    def things() -> dict[str, str]:
        return {}

    assert require_api_key_on_mutations(app, required) == ["POST /things"]
    assert app.routes["/things"]["POST"].api_key_required is required
    assert not app.routes["/things"]["GET"].api_key_required
