"""Browser tests: the page in headless Chromium (Debian's ``chromium`` package, driven by
Playwright) against the local stack of ``tests/conftest.py``. Screenshots go to .cache/screenshots/;
with ``DOCS_SCREENSHOTS=1`` the ones the README shows are also written to docs/."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Dialog, Page, sync_playwright

from infra.local.stack import ROOT
from tests.stack import Service

SCREENSHOTS = ROOT / ".cache" / "screenshots"
DOCS = ROOT / "docs"


def chromium_path() -> str:
    """``CHROMIUM`` if set, else Debian's ``chromium`` on the PATH (``make browser`` installs it)."""
    found = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        pytest.fail("no Chromium: `make browser` installs Debian's chromium (or set CHROMIUM=/path/to/chrome)")
    return found


@dataclass
class Visit:
    """The page open in a fresh browser context, and what went wrong in it that a user would see."""

    page: Page
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def section(self, name: str) -> Page:
        self.page.locator(f"#{name}").scroll_into_view_if_needed()
        return self.page

    def screenshot(self, section: str, name: str | None = None, *, docs: bool = False) -> Path:
        """A picture of one section, kept as a test artefact: .cache/screenshots/<name or section>.png;
        ``docs``: also docs/<name>.png, for the README, when ``DOCS_SCREENSHOTS=1``."""
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name or section}.png"
        self.page.locator(f"#{section}").screenshot(path=path)
        if docs and os.environ.get("DOCS_SCREENSHOTS") == "1":
            (DOCS / path.name).write_bytes(path.read_bytes())
        return path


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    """One Chromium for the browser tests, closed once they are done."""
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium_path())
        yield launched
        launched.close()


@contextmanager
def opened(browser: Browser, url: str) -> Iterator[Visit]:
    """``url`` in a new browser context; fails if the page throws or pops up a dialog (a prompt
    for the API key included: the page asks in a form of its own)."""
    context = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    seen = Visit(page)
    page.on("pageerror", lambda error: seen.errors.append(str(error)))

    def dismiss(dialog: Dialog) -> None:
        seen.dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", dismiss)
    try:
        page.goto(url)
        page.wait_for_selector("body[data-ready=true]")
        yield seen
    finally:
        context.close()
    assert seen.errors == [], "the page threw"
    assert seen.dialogs == [], "the page opened a dialog"


@pytest.fixture
def visit(browser: Browser, service: Service) -> Iterator[Visit]:
    """``GET /`` in a new context (see ``opened``)."""
    with opened(browser, f"{service.api}/") as seen:
        yield seen
