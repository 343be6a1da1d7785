"""Calculations in the browser: the service's validation beside the fields, a run followed to its
chart and numbers, and the list in both orders."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import Visit

pytestmark = pytest.mark.e2e


def fill(page: Page, date_start: str, date_fin: str, lag: str, name: str = "") -> None:
    page.fill("#calculation-form input[name=date_start]", date_start)
    page.fill("#calculation-form input[name=date_fin]", date_fin)
    page.fill("#calculation-form input[name=lag]", lag)
    page.fill("#calculation-form input[name=name]", name)
    page.click("#calculation-form button[type=submit]")


def test_bad_values_are_explained_beside_their_fields(visit: Visit) -> None:
    page = visit.section("calculations")
    fill(page, "2024-01-01", "2024-03-01", "0")

    expect(page.locator('[data-error-for="lag"]')).to_have_text("lag: 0 is not an integer of at least 1")
    expect(page.locator("#calculation-form input[name=lag]")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#calculation-form-message")).to_have_text("Please correct the field marked above.")
    visit.screenshot("calculations", "calculations-error")

    fill(page, "2024-03-01", "2024-01-01", "7")

    expect(page.locator('[data-error-for="date_start"]')).to_contain_text("date_start: must not be after date_fin")
    expect(page.locator('[data-error-for="lag"]')).to_have_text("")


def test_a_run_is_followed_to_its_chart_and_numbers(visit: Visit) -> None:
    page = visit.section("calculations")
    fill(page, "2024-01-01", "2024-03-01", "7", "well <b>7</b>")

    detail = page.locator("#calculation-detail")
    expect(detail.locator(".badge")).to_have_text("succeeded", timeout=60_000)
    expect(detail.locator(".title")).to_have_text("well <b>7</b>")  # as typed, not as markup
    # 2024-01-01 .. 2024-03-01 every 7 days: 9 dates, one point each on four lines.
    expect(detail.locator("svg polyline")).to_have_count(4)
    for series in ("liquid", "oil", "water", "wct"):
        points = detail.locator(f'svg polyline[data-series="{series}"]').get_attribute("points") or ""
        assert len(points.split()) == 9, series
    expect(detail.locator(".legend")).to_contain_text("wct (right axis)")
    rows = detail.locator(".numbers tbody tr")
    expect(rows).to_have_count(9)
    expect(rows.first.locator("td").first).to_have_text("2024-01-01")
    expect(page.locator("#calculation-list tbody tr").first).to_contain_text("well <b>7</b>")
    visit.screenshot("calculations")


def test_the_list_in_both_orders(visit: Visit) -> None:
    page = visit.section("calculations")
    fill(page, "2024-01-01", "2024-01-10", "1", "first")
    expect(page.locator("#calculation-detail .badge")).to_have_text("succeeded", timeout=60_000)
    fill(page, "2024-01-01", "2024-01-10", "1", "second")
    expect(page.locator("#calculation-detail .badge")).to_have_text("succeeded", timeout=60_000)
    names = page.locator("#calculation-list tbody td:first-child")
    launched = page.locator("#calculation-list tbody td:nth-child(2)")

    expect(names.first).to_have_text("second")
    newest_first = launched.all_inner_texts()
    page.select_option("#calculation-list select[name=order]", "asc")

    expect(names.first).not_to_have_text("second")
    oldest_first = launched.all_inner_texts()
    assert newest_first == sorted(newest_first, reverse=True)
    assert oldest_first == sorted(oldest_first)
    in_order = names.all_inner_texts()
    if "second" in in_order:  # on the first page: after "first", as it was launched later
        assert in_order.index("first") < in_order.index("second")
