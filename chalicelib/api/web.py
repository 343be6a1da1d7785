"""``GET /`` and ``GET /static/{name}``: the web page and its files (``chalicelib/web/static``).

The page calls the API with relative URLs, so it works under a stage prefix (``/api/``) too.
"""

from __future__ import annotations

from chalice.app import Blueprint, Response

from chalicelib.api.contract import operation
from chalicelib.errors import NotFound
from chalicelib.web.assets import CONTENT_TYPES, Asset, asset, names

bp = Blueprint(__name__)

# Scripts and styles only from the service itself: even text that slipped into the page as markup
# could not run. Uploads and downloads go to presigned storage URLs, hence any connect-src.
POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src *; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)


@bp.route("/", methods=["GET"])
@operation(bp, "The web page", {200: None}, answer_types=("text/html",), answer_schema={"type": "string"})
def page() -> Response:
    """The page; ``/api`` (no slash) is redirected to ``/api/`` so its relative links resolve."""
    path = str(bp.current_request.context.get("path") or "/")
    if not path.endswith("/"):
        return Response(body="", status_code=301, headers={"Location": f"{path}/"})
    return _send(_found("index.html"))


@bp.route("/static/{name}", methods=["GET"])
@operation(
    bp,
    "The web page's scripts and styles",
    {200: None},
    path={"type": "string", "enum": sorted(names())},
    answer_types=tuple(sorted({kind.split(";")[0] for kind in CONTENT_TYPES.values()})),
    answer_schema={"type": "string"},
)
def static(name: str) -> Response:
    return _send(_found(name))


def _found(name: str) -> Asset:
    found = asset(name)
    if found is None:
        raise NotFound(f"{name[:100]}: no such file")
    return found


def _send(found: Asset) -> Response:
    headers: dict[str, str | list[str]] = {
        "Content-Type": found.content_type,
        "Cache-Control": "no-cache",
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": POLICY,
    }
    return Response(body=found.body, status_code=200, headers=headers)
