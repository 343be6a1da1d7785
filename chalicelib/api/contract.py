"""A route's contract: the models of its query, body and answers, attached to its view.

``@operation(bp, ...)`` goes under ``@bp.route``. It validates the query
string (each parameter given once, on every route) and the JSON body with the models before the
view runs, hands them to the view as ``query=`` and ``body=``, and records the models on the view,
where ``chalicelib.api.openapi`` reads them: what is documented is what is checked. The view
returns its answer model (or ``Answered``: the model with its status and headers) and
``operation()`` sends it as JSON, only if it is one of the models the route documents: what is
answered is what is documented (FastAPI's ``response_model``). It also maps
the service's errors to HTTP answers (``api_errors``) for the checks and the view alike: the one
place they are applied, as ``chalicelib.access`` is for API keys.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

from chalice.app import Blueprint, Request, Response
from pydantic import BaseModel

from chalicelib.api.errors import api_errors
from chalicelib.api.models.common import Accepted
from chalicelib.api.params import json_object, query_params
from chalicelib.ids import PATTERN
from chalicelib.jobs.model import Job
from chalicelib.validation import validated

F = TypeVar("F", bound=Callable[..., Any])
ATTRIBUTE = "__operation__"
JOB_ID = {"type": "string", "pattern": PATTERN, "description": "A job id: 32 hex digits."}


@dataclass(frozen=True)
class Operation:
    """What one route takes and answers; ``answers`` maps each success status to its model (None: no body)."""

    summary: str
    answers: Mapping[int, type[BaseModel] | None]
    query: type[BaseModel] | None = None
    body: type[BaseModel] | None = None
    body_required: bool = True
    # A multipart/form-data upload with a ``file`` part: what the file must hold.
    upload: str | None = None
    # Error statuses beyond those found from the route: 400 (it takes input), 415 (it takes a body),
    # 404 (it has a path parameter).
    errors: tuple[int, ...] = ()
    # Response headers by status: name -> description.
    headers: Mapping[int, Mapping[str, str]] = field(default_factory=dict)
    # What the success answer leads to: operationId -> {parameter: runtime expression} (OpenAPI links).
    links: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    # The JSON Schema of each path parameter (in this API, mostly a job's id; others are 404 too).
    path: Mapping[str, Any] = field(default_factory=lambda: JOB_ID)
    # Answers that are not a model: their media types, and their schema (default: any).
    answer_types: tuple[str, ...] = ("application/json",)
    answer_schema: Mapping[str, Any] | None = None


def operation(
    bp: Blueprint, summary: str, answers: Mapping[int, type[BaseModel] | None], **details: Any
) -> Callable[[F], F]:
    """Validate the query string and JSON body of the decorated view with the given models."""
    spec = Operation(summary, answers, **details)

    def decorate(view: F) -> F:
        @functools.wraps(view)
        @api_errors  # the checks' 400s and the view's errors: no route stacks it again
        def checked(*args: Any, **kwargs: Any) -> Any:
            request = bp.current_request
            query = query_params(request)  # a repeated parameter is a 400 on every route
            if spec.query is not None:
                kwargs["query"] = validated(spec.query, query, unknown="parameter")
            if spec.body is not None:
                kwargs["body"] = None if _is_upload(spec, request) else validated(spec.body, json_object(request))
            return _sent(spec, view(*args, **kwargs))

        setattr(checked, ATTRIBUTE, spec)
        return cast(F, checked)

    return decorate


def follow(field_name: str, **operations: str) -> dict[str, dict[str, str]]:
    """Links from an answer's ``field_name`` (a job id) to the operations that take it: operationId=parameter."""
    return {
        operation_id: {parameter: f"$response.body#/{field_name}"} for operation_id, parameter in operations.items()
    }


@dataclass(frozen=True)
class Answered:
    """An answer model sent with another status than 200, or with headers."""

    body: BaseModel
    status: int = 200
    headers: Mapping[str, str] = field(default_factory=dict)


def accepted(job: Job, location: str) -> Answered:
    """The 202 of a route that queued a job: the ``Accepted`` answer, and where to follow the job."""
    return Answered(Accepted.model_validate({"id": job.id, "status": job.status}), 202, {"Location": location})


def _sent(spec: Operation, answer: Any) -> Any:
    """A view's answer model as JSON, with its status and headers; other answers (a ``Response``:
    the page, files, a redirect; the document) as they are. Fields the view did not set (those
    with a default: ``error`` when nothing failed, ``name`` when not asked for) are left out."""
    if isinstance(answer, BaseModel):
        answer = Answered(answer)
    if not isinstance(answer, Answered):
        return answer
    if type(answer.body) is not spec.answers.get(answer.status):
        raise TypeError(f"{type(answer.body).__name__} {answer.status} is not an answer of {spec.summary!r}")
    body = answer.body.model_dump(mode="json", exclude_unset=True)
    if answer.status == 200 and not answer.headers:
        return body
    return Response(body=body, status_code=answer.status, headers=dict(answer.headers))


def operation_of(view: Callable[..., Any]) -> Operation | None:
    """The contract recorded on ``view`` (or on a function it wraps), if any."""
    while view is not None:
        found = getattr(view, ATTRIBUTE, None)
        if isinstance(found, Operation):
            return found
        view = getattr(view, "__wrapped__", None)  # type: ignore[assignment]
    return None


def _is_upload(spec: Operation, request: Request) -> bool:
    return spec.upload is not None and request.headers.get("content-type", "").startswith("multipart/form-data")
