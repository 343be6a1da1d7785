"""The web page's routes in-process: the page and its files with the types a browser needs."""

from __future__ import annotations

import json

from chalice.test import Client

from app import app
from chalicelib.web.assets import STATIC


def test_the_page_is_html_that_loads_its_script_by_a_relative_path() -> None:
    with Client(app, stage_name="local") as client:
        response = client.http.get("/")

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert b'src="static/app.js"' in response.body
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_every_file_of_the_page_is_served_with_its_type() -> None:
    types = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}
    with Client(app, stage_name="local") as client:
        for path in STATIC.iterdir():
            if path.suffix not in types:
                continue
            response = client.http.get(f"/static/{path.name}")
            assert (response.status_code, response.headers["Content-Type"]) == (200, types[path.suffix]), path.name
            assert response.body == path.read_bytes()


def test_an_unknown_file_is_a_404_with_a_message() -> None:
    with Client(app, stage_name="local") as client:
        for name in ("nothing.js", "..", "assets.py", "__init__.py"):
            response = client.http.get(f"/static/{name}")
            assert response.status_code == 404, name
            assert json.loads(response.body)["Message"].startswith(f"{name}: ")


def test_the_stage_root_without_a_slash_is_redirected_so_relative_links_resolve() -> None:
    event = {
        "requestContext": {"path": "/api", "resourcePath": "/", "httpMethod": "GET", "stage": "api"},
        "httpMethod": "GET",
        "path": "/",
        "resource": "/",
        "headers": {},
        "multiValueQueryStringParameters": None,
        "pathParameters": None,
        "stageVariables": None,
        "body": None,
        "isBase64Encoded": False,
    }

    answer = app(event, None)

    assert answer["statusCode"] == 301
    assert answer["headers"]["Location"] == "/api/"
