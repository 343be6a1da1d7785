"""Turning the service's errors into HTTP answers: ``{"Code": ..., "Message": ...}`` with a 4xx/503."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar, cast

from chalice.app import BadRequestError, NotFoundError, Response

from chalicelib.errors import Conflict, InvalidInput, NotFound, TooLarge, Unavailable, UnsupportedMedia

F = TypeVar("F", bound=Callable[..., Any])


def api_errors(view: F) -> F:
    """Map ``InvalidInput`` to 400, ``NotFound`` to 404, ``Conflict`` to 409, ``TooLarge`` to 413,
    ``Unavailable`` to 503."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return view(*args, **kwargs)
        except InvalidInput as exc:
            raise BadRequestError(str(exc)) from exc
        except NotFound as exc:
            raise NotFoundError(str(exc)) from exc
        except Conflict as exc:
            return Response(body={"Code": "ConflictError", "Message": str(exc)}, status_code=409)
        except TooLarge as exc:
            return Response(body={"Code": "PayloadTooLarge", "Message": str(exc)}, status_code=413)
        except UnsupportedMedia as exc:
            return Response(body={"Code": "UnsupportedMediaType", "Message": str(exc)}, status_code=415)
        except Unavailable as exc:
            return Response(
                body={"Code": "ServiceUnavailable", "Message": str(exc)},
                status_code=503,
                headers={"Retry-After": str(exc.retry_after)},
            )

    return cast(F, wrapper)
