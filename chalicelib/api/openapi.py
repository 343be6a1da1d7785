"""The OpenAPI 3.1 document, built from the app's routes and the models each route validates with.

Chalice's ``app.routes`` gives every path, method and view; ``@operation`` recorded on each view
the models of its query string, body and answers (``chalicelib.api.contract``). Their JSON
Schemas (pydantic's, draft 2020-12, which OpenAPI 3.1 uses as it is) become the parameters,
request bodies, answers and ``components.schemas``. A route without ``@operation`` is left out,
and a test fails for it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from chalice.app import Chalice, RouteEntry
from pydantic import BaseModel

from chalicelib.access import HEADER, needs_key
from chalicelib.api.contract import Operation, operation_of
from chalicelib.api.models.common import ErrorAnswer, Forbidden

VERSION = "3.1.0"
INFO = {
    "title": "jobsvc",
    "version": "0.1.0",
    "description": (
        "A serverless job service: sales logs, the metric job, production calculations, play-count "
        "reports and posts imports. Jobs run on a queue; follow them by id."
    ),
}
REF = "#/components/schemas/{model}"
# The API key (chalicelib/access.py): what Swagger UI's Authorize asks for and sends on each route
# that needs it. Declared on those routes in every stage; only the deployed ones (and a local
# service with LOCAL_API_KEY set) check it.
KEY_SCHEME = "apiKey"
SECURITY_SCHEMES = {
    KEY_SCHEME: {
        "type": "apiKey",
        "in": "header",
        "name": HEADER,
        "description": "The stage's API key. Needed on every route but the page, /docs, /openapi.json and /health.",
    }
}
FORBIDDEN = "No API key, or not the stage's (answered by API Gateway, or locally where LOCAL_API_KEY is set)."
ERRORS = {
    400: "Bad input: the message names the parameter or field and the rule it broke.",
    404: "No such id (or the id of another kind of job).",
    409: "The job's status does not allow this (cancel a finished job, retry an unfinished one).",
    413: "The file is too large for the request.",
    415: "The body is not of a media type this route takes.",
    503: "Not now: a table still loading, or the job queue out of reach.",
}


class _Components:
    """The named schemas the document refers to, filled as models are met."""

    def __init__(self) -> None:
        self.schemas: dict[str, Any] = {}

    def add(self, name: str, schema: dict[str, Any]) -> None:
        if self.schemas.setdefault(name, schema) != schema:
            raise ValueError(f"two different schemas are named {name}: rename one of the models")

    def inline(self, model: type[BaseModel], mode: str) -> dict[str, Any]:
        """``model``'s own schema; the models it nests become components."""
        schema = model.model_json_schema(ref_template=REF, mode=mode)  # type: ignore[arg-type]
        for name, nested in schema.pop("$defs", {}).items():
            self.add(name, nested)
        return schema

    def ref(self, model: type[BaseModel], mode: str) -> dict[str, str]:
        self.add(model.__name__, self.inline(model, mode))
        return {"$ref": REF.format(model=model.__name__)}


def document(app: Chalice) -> dict[str, Any]:
    """The OpenAPI document of every route of ``app`` that has an ``@operation``."""
    components = _Components()
    paths: dict[str, dict[str, Any]] = {}
    for path, method, entry, spec in documented(app):
        paths.setdefault(path, {})[method.lower()] = _operation(entry, spec, components)
    components.ref(ErrorAnswer, "serialization")
    components.ref(Forbidden, "serialization")
    _check_links(paths)
    return {
        "openapi": VERSION,
        "info": INFO,
        # Relative: the API's own address, whatever the stage prefix (API Gateway's /api/).
        "servers": [{"url": ".", "description": "this API, where this document is served"}],
        "paths": paths,
        "components": {"schemas": dict(sorted(components.schemas.items())), "securitySchemes": SECURITY_SCHEMES},
    }


def _check_links(paths: dict[str, dict[str, Any]]) -> None:
    operations = {found["operationId"] for methods in paths.values() for found in methods.values()}
    for methods in paths.values():
        for found in methods.values():
            for answer in found["responses"].values():
                for link in answer.get("links", {}).values():
                    if link["operationId"] not in operations:
                        raise ValueError(f"{found['operationId']} links to no operation {link['operationId']}")


def documented(app: Chalice) -> Iterator[tuple[str, str, RouteEntry, Operation]]:
    """Each route of ``app`` with the contract recorded on its view."""
    for path, methods in sorted(app.routes.items()):
        for method, entry in sorted(methods.items()):
            spec = operation_of(entry.view_function)
            if spec is not None:
                yield path, method, entry, spec


def _operation(entry: RouteEntry, spec: Operation, components: _Components) -> dict[str, Any]:
    parameters = [_path_parameter(name, spec) for name in entry.view_args]
    if spec.query is not None:
        parameters += _query_parameters(components.inline(spec.query, "validation"))
    resource = entry.view_function.__module__.rpartition(".")[2]
    found: dict[str, Any] = {
        "tags": [resource],
        "summary": spec.summary,
        "operationId": f"{resource}_{entry.view_name}",
    }
    if entry.view_function.__doc__:
        found["description"] = " ".join(entry.view_function.__doc__.split())
    if parameters:
        found["parameters"] = parameters
    body = _request_body(spec, components)
    if body:
        found["requestBody"] = body
    found["responses"] = _responses(entry, spec, components)
    if needs_key(entry.method, entry.uri_pattern):
        found["security"] = [{KEY_SCHEME: []}]
        found["responses"]["403"] = {
            "description": FORBIDDEN,
            "content": {"application/json": {"schema": {"$ref": REF.format(model=Forbidden.__name__)}}},
        }
    return found


def _path_parameter(name: str, spec: Operation) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": dict(spec.path)}


def _query_parameters(schema: dict[str, Any]) -> list[dict[str, Any]]:
    required = set(schema.get("required", ()))
    parameters = []
    for name, prop in schema["properties"].items():
        prop = _not_null(prop)
        parameter: dict[str, Any] = {"name": name, "in": "query", "required": name in required, "schema": prop}
        if "description" in prop:
            parameter["description"] = prop["description"]
        if prop.get("type") == "array":
            parameter.update(style="form", explode=False)  # fields=name,duration
        parameters.append(parameter)
    return parameters


def _not_null(prop: dict[str, Any]) -> dict[str, Any]:
    """A query parameter is absent or a string, never null: ``X | None = None`` documents as X."""
    prop = {key: value for key, value in prop.items() if key != "title" and not (key == "default" and value is None)}
    options = [option for option in prop.pop("anyOf", []) if option != {"type": "null"}]
    if len(options) == 1:
        prop.update(options[0])
    elif options:
        prop["anyOf"] = options
    return prop


def _request_body(spec: Operation, components: _Components) -> dict[str, Any] | None:
    content: dict[str, Any] = {}
    if spec.body is not None:
        content["application/json"] = {"schema": components.ref(spec.body, "validation")}
    if spec.upload is not None:
        file_part = {"type": "string", "format": "binary", "contentMediaType": "text/csv", "description": spec.upload}
        content["multipart/form-data"] = {
            "schema": {"type": "object", "required": ["file"], "properties": {"file": file_part}}
        }
    if not content:
        return None
    return {"required": spec.body_required or spec.body is None, "content": content}


def _responses(entry: RouteEntry, spec: Operation, components: _Components) -> dict[str, Any]:
    responses: dict[str, Any] = {}
    for status, model in spec.answers.items():
        answer: dict[str, Any] = {"description": model.__doc__.strip() if model and model.__doc__ else "OK"}
        schema = components.ref(model, "serialization") if model else dict(spec.answer_schema or {})
        answer["content"] = {media: {"schema": schema} for media in spec.answer_types}
        if spec.links and 200 <= status < 300:
            answer["links"] = {name: {"operationId": name, "parameters": dict(p)} for name, p in spec.links.items()}
        responses[str(status)] = _with_headers(answer, spec, status)
    for status in sorted(_error_statuses(entry, spec)):
        error = {"schema": {"$ref": REF.format(model=ErrorAnswer.__name__)}}
        answer = {"description": ERRORS[status], "content": {"application/json": error}}
        responses[str(status)] = _with_headers(answer, spec, status)
    return responses


def _error_statuses(entry: RouteEntry, spec: Operation) -> set[int]:
    statuses = set(spec.errors)
    if spec.query is not None or spec.body is not None or spec.upload is not None:
        statuses.add(400)
    if spec.body is not None or spec.upload is not None:
        statuses.add(415)  # Chalice refuses a body of another media type than the route's
    if entry.view_args:
        statuses.add(404)
    return statuses


def _with_headers(answer: dict[str, Any], spec: Operation, status: int) -> dict[str, Any]:
    headers = spec.headers.get(status)
    if headers:
        answer["headers"] = {
            name: {"description": text, "schema": {"type": "string"}} for name, text in headers.items()
        }
    return answer
