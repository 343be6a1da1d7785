"""The Jobs section in the browser: every kind in one live table, filtered, a job opened with its
parameters, error and earlier runs, cancel and retry from the page, and the state (filters, the job
opened, the report or import shown) kept over a reload; the Reports and Imports sections list
earlier work."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.e2e.conftest import Visit
from tests.e2e.jobs_helpers import failing_report, finished, post, posts_csv
from tests.integration.test_reports import PLAYS
from tests.stack import Service

pytestmark = pytest.mark.e2e
HOSTILE = "<img src=x onerror=alert(1)>"


def row(page: Page, job_id: str) -> Locator:
    return page.locator(f'#job-list tbody tr[data-id="{job_id}"]')


def fact(container: Locator, label: str) -> Locator:
    return container.locator(f'dt:text-is("{label}") + dd')


def reload(page: Page) -> None:
    page.reload()
    page.wait_for_selector("body[data-ready=true]")


def test_every_kind_in_one_live_table_filtered_opened_and_kept_over_a_reload(visit: Visit, service: Service) -> None:
    metric = post(service, "launch", json={})["job_id"]
    calculation = post(
        service, "calculations", json={"date_start": "2024-01-01", "date_fin": "2024-01-20", "lag": 1, "name": HOSTILE}
    )["id"]
    report = post(service, "reports", files={"file": ("plays.csv", PLAYS, "text/csv")})["id"]
    broken = failing_report(service)
    page = visit.section("jobs")
    page.click('#job-list [data-page="refresh"]')

    # Launched elsewhere, shown after one refresh, then followed without a click to where they end.
    for job_id, kind in ((metric, "metric"), (calculation, "calculation"), (report, "report"), (broken, "report")):
        expect(row(page, job_id).locator("td").nth(1)).to_have_text(kind)
    expect(row(page, broken).locator(".badge")).to_have_text("failed", timeout=60_000)
    for job_id in (metric, calculation, report):
        expect(row(page, job_id).locator(".badge")).to_have_text("succeeded", timeout=60_000)
    expect(row(page, calculation).locator("td").first).to_have_text(HOSTILE)  # the name as typed
    assert page.locator("#jobs img").count() == 0
    expect(row(page, broken).locator('[data-action="retry"]')).to_be_visible()
    expect(row(page, report).locator('[data-action="retry"], [data-action="cancel"]')).to_have_count(0)
    expect(row(page, report).locator("progress")).to_have_attribute("value", "1")
    # What waits for the workers, from /health, above the table.
    for lane in ("jobs queue", "imports queue", "dead letters"):
        expect(page.locator(f'#job-queues [data-queue="{lane}"]')).to_have_text(
            re.compile(rf"{lane}: \d+ waiting, \d+ in flight, \d+ delayed")
        )

    page.select_option('#job-list select[name="kind"]', "report")
    page.select_option('#job-list select[name="status"]', "failed")

    expect(row(page, report)).to_have_count(0)
    expect(row(page, broken)).to_have_count(1)
    kinds = page.locator("#job-list tbody td:nth-child(2)").all_inner_texts()
    statuses = page.locator("#job-list tbody .badge").all_inner_texts()
    assert set(kinds) == {"report"}, (kinds, statuses)
    assert set(statuses) == {"failed"}, (kinds, statuses)

    row(page, broken).locator('[data-action="open"]').click()

    detail = page.locator("#job-detail")
    expect(fact(detail, "Error")).to_contain_text("header: expected Song,Date,Number of Plays")
    expect(detail.locator(".params")).to_contain_text('"filename": "not-plays.csv"')
    expect(fact(detail, "Attempts")).to_have_text("1")
    expect(fact(detail, "Finished")).to_contain_text(" UTC")
    expect(detail.locator(".history")).to_have_text("No earlier runs.")
    assert f"job={broken}" in page.url
    assert "kind=report" in page.url
    assert "status=failed" in page.url

    reload(page)

    expect(page.locator('#job-list select[name="kind"]')).to_have_value("report")
    expect(page.locator('#job-list select[name="status"]')).to_have_value("failed")
    expect(fact(detail, "Job")).to_have_text(broken)
    expect(row(page, broken)).to_have_count(1)
    expect(row(page, report)).to_have_count(0)

    detail.locator('[data-action="retry"]').click()

    # It runs again under its id and fails again (same file); the first run is kept as history.
    expect(fact(detail, "Attempts")).to_have_text("2", timeout=60_000)
    expect(fact(detail, "Status")).to_have_text("failed", timeout=60_000)
    history = detail.locator(".history tbody tr")
    expect(history).to_have_count(1)
    expect(history.locator(".badge")).to_have_text("failed")
    visit.screenshot("jobs", "jobs-detail")


def test_a_running_import_cancelled_from_the_table_then_retried_sends_each_row_once(
    visit: Visit, service: Service
) -> None:
    rows = 80  # about 12 s at 7 rows a second: long enough to be cancelled while it runs
    tag = f"cancel-{uuid.uuid4().hex[:8]}"
    job = post(service, "imports", files={"file": ("posts.csv", posts_csv(rows, tag), "text/csv")})["id"]
    post(service, "launch", json={})  # a metric beside it, for the picture
    page = visit.section("jobs")
    page.click('#job-list [data-page="refresh"]')
    line = row(page, job)
    expect(line.locator(".badge")).to_have_text("running", timeout=60_000)
    # Some rows sent (the bar has moved), not all of them.
    expect(line.locator("progress")).not_to_have_attribute("value", "0", timeout=60_000)

    line.locator('[data-action="cancel"]').click()

    expect(line.locator(".badge")).to_have_text("cancelled", timeout=30_000)
    expect(line.locator('[data-action="retry"]')).to_be_visible()
    sent_before = [body["title"] for body in service.posts_api.created() if body["title"].startswith(tag)]
    assert 0 < len(sent_before) < rows, len(sent_before)
    visit.screenshot("jobs", "jobs", docs=True)

    line.locator('[data-action="open"]').click()
    detail = page.locator("#job-detail")
    expect(fact(detail, "Status")).to_have_text("cancelled")
    expect(detail.locator('input[name="resend_unknown"]')).to_be_visible()  # imports only
    detail.locator('[data-action="retry"]').click()

    expect(fact(detail, "Status")).to_have_text("succeeded", timeout=90_000)
    expect(detail.locator(".history tbody tr .badge")).to_have_text(["cancelled"])
    # Attempts keep counting across runs (an import claims the job once per slice of rows).
    assert int(fact(detail, "Attempts").inner_text()) > int(detail.locator(".history tbody td").first.inner_text())
    titles = [body["title"] for body in service.posts_api.created() if body["title"].startswith(tag)]
    assert sorted(titles) == sorted(f"{tag} {n}" for n in range(1, rows + 1))  # each row once

    detail.locator('[data-action="show"]').click()  # "Show in Imports"

    expect(fact(page.locator("#import-job"), "Import")).to_have_text(job)
    expect(fact(page.locator("#import-job"), "Sent")).to_have_text(str(rows))
    assert f"import={job}" in page.url


def test_earlier_reports_and_imports_are_listed_and_the_one_shown_survives_a_reload(
    visit: Visit, service: Service
) -> None:
    report = post(service, "reports", files={"file": ("earlier.csv", PLAYS, "text/csv")})["id"]
    imported = post(service, "imports", files={"file": ("posts.csv", posts_csv(3, "earlier"), "text/csv")})["id"]
    for job_id in (report, imported):
        assert finished(service, job_id)["status"] == "succeeded"
    page = visit.page
    reload(page)

    page.locator(f'#report-history tr[data-id="{report}"] button').click()
    page.locator(f'#import-history tr[data-id="{imported}"] button').click()

    expect(fact(page.locator("#report-job"), "Report")).to_have_text(report)
    expect(page.locator("#report-job a.download")).to_be_visible()
    expect(fact(page.locator("#import-job"), "Import")).to_have_text(imported)
    expect(page.locator("#import-results tbody tr")).to_have_count(3)
    assert f"report={report}" in page.url
    assert f"import={imported}" in page.url
    expect(page.locator(f'#report-history tr[data-id="{report}"] td').first).to_have_text("totals of earlier.csv")

    reload(page)

    expect(fact(page.locator("#report-job"), "Report")).to_have_text(report)
    expect(page.locator("#report-job .badge")).to_have_text("succeeded")
    expect(page.locator("#report-job a.download")).to_be_visible()
    expect(fact(page.locator("#import-job"), "Import")).to_have_text(imported)
    expect(page.locator("#import-results tbody tr")).to_have_count(3)
    visit.screenshot("reports", "reports-earlier")
