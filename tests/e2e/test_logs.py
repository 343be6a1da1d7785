"""Logs in the browser: the latest records of a table, filtered by user, and a bad date explained."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import Visit

pytestmark = pytest.mark.e2e


def test_the_latest_records_newest_first_then_one_users(visit: Visit) -> None:
    page = visit.section("logs")
    page.select_option("#logs select[name=table_name]", "sales")
    page.click("#logs button[type=submit]")

    rows = page.locator("#logs-records tbody tr")
    expect(rows).to_have_count(100)
    expect(page.locator("#logs .message")).to_have_text("100 records of sales, newest first.")
    headers = page.locator("#logs-records th").all_inner_texts()
    assert {"sale_id", "date", "user_id", "price"} <= set(headers)
    dates = page.locator(f"#logs-records tbody td:nth-child({headers.index('date') + 1})").all_inner_texts()
    assert dates == sorted(dates, reverse=True)
    visit.screenshot("logs")

    user = page.locator(f"#logs-records tbody tr:first-child td:nth-child({headers.index('user_id') + 1})").inner_text()
    page.fill("#logs input[name=user_id]", user)
    page.click("#logs button[type=submit]")

    expect(page.locator("#logs .message")).to_contain_text(" records of sales, newest first.")
    users = page.locator(f"#logs-records tbody td:nth-child({headers.index('user_id') + 1})").all_inner_texts()
    assert users
    assert set(users) == {user}


def test_a_malformed_date_is_explained_beside_its_field(visit: Visit) -> None:
    page = visit.section("logs")
    page.fill("#logs input[name=from_date]", "yesterday")
    page.click("#logs button[type=submit]")

    expect(page.locator('#logs [data-error-for="from_date"]')).to_contain_text("from_date: 'yesterday' is not a date")
    expect(page.locator("#logs input[name=from_date]")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#logs-records tbody tr")).to_have_count(0)
