"""The metric in the browser: launch it, see its status follow the job, see the exact result."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import Visit

pytestmark = pytest.mark.e2e
ORDER = ["queued", "running", "succeeded"]


def test_launch_and_watch_it_finish_with_a_big_exact_number(visit: Visit) -> None:
    page = visit.section("metric")
    # Record every status the page shows, as a user watching it would see them.
    page.evaluate(
        """() => {
          window.seenStatuses = [];
          new MutationObserver(() => {
            const shown = document.querySelector("#metric-job .badge")?.textContent;
            if (shown && shown !== window.seenStatuses.at(-1)) window.seenStatuses.push(shown);
          }).observe(document.querySelector("#metric-job"), { childList: true, subtree: true });
        }"""
    )
    page.click("#metric-launch")

    expect(page.locator("#metric-job .badge")).to_have_text("succeeded", timeout=60_000)
    expect(page.locator("#metric .message")).to_have_text(re.compile(r"Done: a \d+-digit number\."))
    result = page.locator("#metric-job .big-number").inner_text()
    assert re.fullmatch(r"\d{20,}", result), result  # well past 2**53, every digit kept
    seen = page.evaluate("window.seenStatuses")
    assert seen[-1] == "succeeded"
    assert [ORDER.index(status) for status in seen] == sorted(ORDER.index(s) for s in seen)
    expect(page.locator("#metric-job")).to_contain_text("Took")
    visit.screenshot("metric")
