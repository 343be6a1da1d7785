"""Imports in the browser: a posts file uploaded, its counters moving, its per-row results paged,
and a CSV value that looks like markup shown as the text it is."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import Visit

pytestmark = pytest.mark.e2e
HOSTILE = "<img src=x onerror=alert(1)>"
VALID_ROWS = 24


def posts_file(folder: Path) -> Path:
    rows = [f'{n},"title {n}","body {n}"' for n in range(1, VALID_ROWS + 1)]
    rows.insert(5, f'"{HOSTILE}",hostile title,{HOSTILE}')  # line 7: an invalid userId
    path = folder / "posts.csv"
    path.write_text("userId,title,body\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def counter(page: Page, label: str) -> str:
    return page.locator(f'#import-job dt:text-is("{label}") + dd').inner_text()


def test_counters_move_and_every_row_has_a_result(visit: Visit, tmp_path: Path) -> None:
    page = visit.section("imports")
    page.set_input_files("#import-form input[type=file]", str(posts_file(tmp_path)))
    page.click("#import-form button[type=submit]")

    # 24 rows at 7 a second: the "Sent" counter is seen climbing while the import runs.
    sent_seen: list[str] = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and page.locator("#import-job .badge").all_inner_texts() != ["succeeded"]:
        if page.locator("#import-job dd").count():
            sent_seen.append(counter(page, "Sent"))
        time.sleep(0.2)
    expect(page.locator("#import-job .badge")).to_have_text("succeeded")
    assert len({value for value in sent_seen if value.isdigit()}) >= 3, sent_seen
    counters = [counter(page, name) for name in ("Rows", "Read", "Invalid", "Sent", "Failed")]
    assert counters == ["25", "25", "1", "24", "0"]

    results = page.locator("#import-results tbody tr")
    expect(results).to_have_count(20)
    expect(page.locator("#import-results .page-number")).to_have_text("page 1")
    bad = page.locator("#import-results tbody tr", has_text="error")
    expect(bad.locator("td").nth(0)).to_have_text("7")
    rule = "is not a whole number from 1 to 2,147,483,647"
    expect(bad.locator("td").nth(4)).to_have_text(f"invalid: userId '{HOSTILE}' {rule}")
    assert page.locator("#imports img").count() == 0  # shown as text, never made into an element
    visit.screenshot("imports")

    page.click('#import-results [data-page="next"]')

    expect(page.locator("#import-results .page-number")).to_have_text("page 2")
    expect(results).to_have_count(5)
    expect(results.last.locator("td").nth(2)).to_have_text("ok")
    expect(page.locator('#import-results [data-page="next"]')).to_be_disabled()
    page.click('#import-results [data-page="previous"]')
    expect(results.first.locator("td").first).to_have_text("2")
