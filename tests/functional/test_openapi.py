"""``GET /openapi.json``: valid OpenAPI, every route in it, and the API refuses what it calls invalid.

The refusals are derived from the document itself: for each query parameter and body field, values
its schema rules out (wrong type, out of range, not matching, unknown, missing) must get a 400
whose message starts with that parameter's name.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from chalice.test import Client
from openapi_spec_validator import validate

from app import app
from chalicelib.api.openapi import document
from tests.functional.conftest import mocked_aws

SPEC = document(app)
A_JOB_ID = "0123456789abcdef" * 2
ERROR = {"$ref": "#/components/schemas/ErrorAnswer"}
FORBIDDEN = {"$ref": "#/components/schemas/Forbidden"}  # API Gateway's 403, not the service's own error


@pytest.fixture(scope="module")
def api() -> Iterator[Client]:
    """One client for the module: a request these tests send is refused before it reaches AWS."""
    with mocked_aws(), Client(app, stage_name="local") as test_client:
        yield test_client


def operations() -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, methods in SPEC["paths"].items():
        for method, found in methods.items():
            yield path, method, found


def resolve(schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    return SPEC["components"]["schemas"][ref.rsplit("/", 1)[1]] if ref else schema


def served(client: Client) -> dict[str, Any]:
    response = client.http.get("/openapi.json")
    assert response.status_code == 200
    return dict(json.loads(response.body))


def test_the_served_document_is_valid_openapi_3_1(client: Client) -> None:
    spec = served(client)
    validate(spec)
    assert spec["openapi"].startswith("3.1")
    assert spec == json.loads(json.dumps(SPEC))


def test_every_route_is_in_the_document() -> None:
    routes = {(path, method.lower()) for path, methods in app.routes.items() for method in methods}
    assert routes == {(path, method) for path, method, _ in operations()}


def test_every_answer_has_a_schema_and_every_error_the_shared_one() -> None:
    for path, method, found in operations():
        for status, answer in found["responses"].items():
            assert answer["content"], f"{method} {path} {status}"
            for media in answer["content"].values():
                assert "schema" in media, f"{method} {path} {status}"
            if int(status) >= 400:
                shared = FORBIDDEN if status == "403" else ERROR
                assert answer["content"] == {"application/json": {"schema": shared}}, f"{method} {path} {status}"
        assert any(200 <= int(status) < 300 for status in found["responses"]), f"{method} {path}"


def test_the_api_key_is_declared_on_every_route_that_needs_it_and_only_there() -> None:
    """So /docs (Swagger UI) has Authorize, and sends ``x-api-key`` where it is needed."""
    schemes = json.loads(json.dumps(SPEC["components"]["securitySchemes"]))  # a copy: SPEC stays whole
    assert list(schemes) == ["apiKey"]
    assert schemes["apiKey"].pop("description")
    assert schemes["apiKey"] == {"type": "apiKey", "in": "header", "name": "x-api-key"}
    open_routes = {"get /", "get /static/{name}", "get /docs", "get /docs/{asset}", "get /openapi.json", "get /health"}
    for path, method, found in operations():
        if f"{method} {path}" in open_routes:
            assert "security" not in found, f"{method} {path}"
            assert "403" not in found["responses"], f"{method} {path}"
        else:
            assert found["security"] == [{"apiKey": []}], f"{method} {path}"
            assert "403" in found["responses"], f"{method} {path}"
    assert SPEC["paths"]["/jobs/{job_id}"]["get"]["security"] == [{"apiKey": []}]  # reads too


def test_uploads_are_multipart_with_a_binary_file_part() -> None:
    for path in ("/reports", "/imports"):
        multipart = SPEC["paths"][path]["post"]["requestBody"]["content"]["multipart/form-data"]["schema"]
        assert multipart["required"] == ["file"]
        assert multipart["properties"]["file"]["format"] == "binary"


def good_value(schema: dict[str, Any]) -> Any:
    """A value the schema accepts: its first example, its default or its first enum value."""
    schema = resolve(schema)
    for option in schema.get("anyOf", ()):
        if option.get("type") != "null":
            return good_value(option)
    for key in ("examples", "enum"):
        if schema.get(key):
            return schema[key][0]
    if "default" in schema:
        return schema["default"]
    raise AssertionError(f"give this schema an example: {schema}")


def bad_values(schema: dict[str, Any], *, in_query: bool) -> Iterator[Any]:
    """Values the schema rules out."""
    for option in schema.get("anyOf", [schema]):
        if "enum" in option:
            yield "not-one-of-them"
        if option.get("type") == "integer":
            yield from bad_integers(option, in_query=in_query)
        if option.get("type") == "string":
            yield from bad_strings(option, in_query=in_query)
        if option.get("type") == "array":
            yield "not-an-entry"


def bad_integers(schema: dict[str, Any], *, in_query: bool) -> Iterator[Any]:
    yield "seven" if in_query else "7"
    if "minimum" in schema:
        yield schema["minimum"] - 1
    if "maximum" in schema:
        yield schema["maximum"] + 1


def bad_strings(schema: dict[str, Any], *, in_query: bool) -> Iterator[Any]:
    if not in_query:
        yield 12345
    if "pattern" in schema:
        yield "!"
    if schema.get("minLength"):
        yield ""
    if "maxLength" in schema:
        yield "x" * (schema["maxLength"] + 1)
    if schema.get("format") == "date":
        yield "2020-13-45"


def query_cases() -> Iterator[Any]:
    for path, method, found in operations():
        parameters = [parameter for parameter in found.get("parameters", ()) if parameter["in"] == "query"]
        if not parameters:
            continue
        url = path.replace("{", "").replace("}", "")
        for name in {parameter["name"] for parameter in found["parameters"] if parameter["in"] == "path"}:
            url = url.replace(name, A_JOB_ID)
        good = {p["name"]: good_value(p["schema"]) for p in parameters if p["required"]}
        yield pytest.param(method, url, {**good, "unknown_parameter": "1"}, "unknown_parameter", id=f"{path}?unknown")
        for parameter in parameters:
            name = parameter["name"]
            if parameter["required"]:
                missing = {key: value for key, value in good.items() if key != name}
                yield pytest.param(method, url, missing, name, id=f"{path}?{name}=missing")
            for number, bad in enumerate(bad_values(parameter["schema"], in_query=True)):
                yield pytest.param(method, url, {**good, name: bad}, name, id=f"{path}?{name}={number}")


def body_cases() -> Iterator[Any]:
    for path, _, found in operations():
        content = found.get("requestBody", {}).get("content", {})
        if "application/json" not in content:
            continue
        schema = resolve(content["application/json"]["schema"])
        good = {name: good_value(schema["properties"][name]) for name in schema.get("required", ())}
        yield pytest.param(path, {**good, "unknown_field": 1}, "unknown_field", id=f"{path} unknown")
        for name, field in schema["properties"].items():
            if name in schema.get("required", ()):
                missing = {key: value for key, value in good.items() if key != name}
                yield pytest.param(path, missing, name, id=f"{path} {name} missing")
            for number, bad in enumerate(bad_values(field, in_query=False)):
                yield pytest.param(path, {**good, name: bad}, name, id=f"{path} {name} {number}")


@pytest.mark.parametrize(("method", "url", "params", "field"), list(query_cases()))
def test_query_parameters_the_document_rules_out_get_a_400_naming_them(
    api: Client, method: str, url: str, params: dict[str, Any], field: str
) -> None:
    response = getattr(api.http, method)(f"{url}?{urlencode(params)}")
    assert response.status_code == 400, response.body
    assert json.loads(response.body)["Message"].startswith(f"{field}:")


@pytest.mark.parametrize(("path", "body", "field"), list(body_cases()))
def test_body_fields_the_document_rules_out_get_a_400_naming_them(
    api: Client, path: str, body: dict[str, Any], field: str
) -> None:
    response = api.http.post(path, body=json.dumps(body), headers={"Content-Type": "application/json"})
    assert response.status_code == 400, response.body
    assert json.loads(response.body)["Message"].startswith(f"{field}:")


def test_ids_the_document_rules_out_are_404(api: Client) -> None:
    for path, method, found in operations():
        names = [parameter["name"] for parameter in found.get("parameters", ()) if parameter["in"] == "path"]
        if names and "{asset}" not in path:
            response = getattr(api.http, method)(path.replace(f"{{{names[0]}}}", "x" * 3000))
            assert response.status_code == 404, f"{method} {path}"
