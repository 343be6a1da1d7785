"""The API key in the browser, against a local API that asks for one as the deployed stages do
(``LOCAL_API_KEY``): the page asks in a form of its own when a request answers 403, keeps the key
in the tab's sessionStorage (never in the page), and sends it as ``x-api-key`` on every request."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
import requests
from playwright.sync_api import Browser, Request, expect

from infra.local.processes import free_port
from infra.local.stack import LocalStack
from tests.e2e.conftest import opened
from tests.stack import Service

pytestmark = pytest.mark.e2e
KEY = f"key-{uuid.uuid4().hex}"
STORAGE = "jobsvc.api-key"


@pytest.fixture(scope="module")
def keyed(service: Service, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A second ``chalice local`` on the same AWS stack (so the same worker runs its jobs), started
    with ``LOCAL_API_KEY``: its URL."""
    stack = LocalStack(tmp_path_factory.mktemp("keyed-api-logs"))
    stack.env = {**service.env, "LOCAL_API_KEY": KEY}
    try:
        stack.start_api(free_port())
        api = stack.urls["api"]
        # The premise: this API refuses reads and writes without the key, and serves the page.
        assert requests.get(f"{api}/jobs", timeout=10).status_code == 403
        assert requests.get(f"{api}/", timeout=10).status_code == 200
        yield api
    finally:
        stack.stop()


def needs_key(url: str) -> bool:
    """An API request (the page and its files are open to all)."""
    path = urlsplit(url).path
    return path != "/" and not path.startswith("/static/")


def test_asked_once_in_the_page_kept_for_the_tab_and_sent_with_every_request(browser: Browser, keyed: str) -> None:
    with opened(browser, f"{keyed}/") as visit:
        page = visit.page
        bar = page.locator("#api-key")
        # The sections' first reads (the jobs, the calculations) were refused: the page asks.
        expect(bar).to_be_visible()
        expect(bar.locator(".message")).to_have_text("The service asks for an API key.")
        bar.locator('input[name="key"]').fill("not-the-key")
        bar.locator('button[type="submit"]').click()
        expect(bar.locator(".message")).to_have_text("The service refused that key: check it and try again.")

        sent: list[Request] = []
        page.on("request", lambda request: sent.append(request) if needs_key(request.url) else None)
        bar.locator('input[name="key"]').fill(KEY)
        bar.locator('button[type="submit"]').click()

        expect(bar).to_be_hidden()
        page.click("#metric-launch")  # a POST, with the key
        expect(page.locator("#metric-job .badge")).to_have_text("succeeded", timeout=60_000)
        job_id = page.locator('#metric-job dt:text-is("Job") + dd').inner_text()
        expect(page.locator(f'#job-list tr[data-id="{job_id}"] .badge')).to_have_text("succeeded")
        assert sent, "no API request seen"
        assert {request.headers.get("x-api-key") for request in sent} == {KEY}
        assert page.evaluate(f"sessionStorage.getItem('{STORAGE}')") == KEY
        assert KEY not in page.content()  # not in the page: not in an attribute, not in the field
        assert bar.locator('input[name="key"]').input_value() == ""

        page.reload()
        page.wait_for_selector("body[data-ready=true]")

        # The same tab keeps the key: no question, the data is there.
        expect(page.locator(f'#job-list tr[data-id="{job_id}"] .badge')).to_have_text("succeeded")
        expect(bar).to_be_hidden()


def test_not_now_leaves_a_message_and_the_header_button_asks_again(browser: Browser, keyed: str) -> None:
    with opened(browser, f"{keyed}/") as visit:
        page = visit.page
        bar = page.locator("#api-key")
        expect(bar).to_be_visible()

        bar.locator('[data-action="dismiss"]').click()

        expect(bar).to_be_hidden()
        expect(page.locator("#job-list .message")).to_contain_text("needs an API key")
        page.click("#metric-launch")
        expect(page.locator("#metric .message")).to_contain_text("needs an API key")
        expect(bar).to_be_hidden()  # declined: not asked again at every request

        page.click("#api-key-open")
        bar.locator('input[name="key"]').fill(KEY)
        bar.locator('button[type="submit"]').click()

        expect(bar).to_be_hidden()
        expect(page.locator("#job-list .message")).not_to_contain_text("API key")
