"""``GET /docs``: Swagger UI, served from the package itself, on relative URLs (so it works under
API Gateway's stage prefix), pointing at this API's own document."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from posixpath import dirname, join

from chalice.test import Client

from chalicelib.api import docs

TYPES = {".js": "application/javascript", ".css": "text/css"}


class Links(HTMLParser):
    """Every ``src`` and ``href`` of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls += [value for name, value in attrs if name in ("src", "href") and value]


def content_type(response: object) -> str:
    headers = {name.lower(): value for name, value in getattr(response, "headers", {}).items()}
    return str(headers.get("content-type", ""))


def page_links(client: Client) -> list[str]:
    page = client.http.get("/docs")
    assert page.status_code == 200
    assert content_type(page).startswith("text/html")
    links = Links()
    links.feed(page.body.decode())
    return links.urls


def test_the_viewer_page_loads_its_assets_from_this_api_by_relative_urls(client: Client) -> None:
    urls = page_links(client)
    assert {url.rsplit("/", 1)[1] for url in urls} == {"swagger-ui.css", "swagger-ui-bundle.js", "docs.js"}
    for url in urls:
        assert not re.match(r"^([a-z]+:)?//|^/", url), f"{url} is not relative"
        asset = client.http.get(join(dirname("/docs"), url))
        assert asset.status_code == 200, url
        assert content_type(asset).startswith(TYPES[Path(url).suffix]), url
        assert len(asset.body) > 100, url


def test_the_viewer_shows_this_apis_own_document(client: Client) -> None:
    script = client.http.get("/docs/docs.js").body.decode()
    document_url = re.search(r'url: "([^"]+)"', script)
    assert document_url is not None
    assert document_url.group(1) == "openapi.json"  # relative to /docs
    assert json.loads(client.http.get("/openapi.json").body)["info"]["title"] == "jobsvc"


def test_the_vendored_files_keep_their_license() -> None:
    vendored = {path.parent for path in docs.ASSETS.values() if "vendor" in path.parts}
    assert vendored
    assert all((folder / "LICENSE").is_file() for folder in vendored)


def test_an_unknown_asset_is_404_naming_it(client: Client) -> None:
    response = client.http.get("/docs/secrets.txt")
    assert response.status_code == 404
    assert json.loads(response.body)["Message"].startswith("asset:")
