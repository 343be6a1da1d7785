"""Reports in the browser: a plays file uploaded with a progress bar, followed, and its totals
downloaded; a file over 5 MB goes straight to storage (a cross-origin PUT to S3)."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from chalicelib.reports.csvfile import read_totals
from infra import plays_data
from tests.e2e.conftest import Visit
from tests.integration.test_reports import PLAYS, TOTALS

pytestmark = pytest.mark.e2e
HOSTILE = "<img src=x onerror=alert(1)>"


def upload_and_download(page: Page, path: Path, tmp_path: Path) -> dict[tuple[str, str], int]:
    """Upload ``path`` through the page, wait for the report, download its totals through the link."""
    page.set_input_files("#report-form input[type=file]", str(path))
    page.click("#report-form button[type=submit]")
    expect(page.locator("#report-job .badge")).to_have_text("succeeded", timeout=90_000)
    expect(page.locator("#reports .message")).to_have_text("Done: download the totals below.")
    assert page.locator("#report-form progress").evaluate("bar => bar.value") == 1
    with page.expect_download() as download:
        page.click("#report-job a.download")
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    return read_totals(saved.read_bytes())


def test_a_small_file_in_the_request_and_its_totals_downloaded(visit: Visit, tmp_path: Path) -> None:
    plays = tmp_path / "plays.csv"
    plays.write_bytes(PLAYS + f"\r\nUmbrella,2020-01-01,{HOSTILE}".encode())  # line 10: left out, reported
    page = visit.section("reports")

    totals = upload_and_download(page, plays, tmp_path)

    assert totals == TOTALS
    expect(page.locator('#report-job dt:text-is("Invalid rows") + dd')).to_have_text("1")
    expect(page.locator("#report-errors li")).to_have_text(
        [f"line 10: Number of Plays '{HOSTILE}' is not a whole number >= 0"]
    )
    assert page.locator("#reports img").count() == 0  # the CSV's text stays text
    visit.screenshot("reports")


def test_a_file_over_5_mb_goes_through_the_presigned_upload(visit: Visit, tmp_path: Path) -> None:
    made = plays_data.generate(tmp_path / "big.csv", target_bytes=6_000_000, songs=200, days=20, seed=3)
    expected: Counter[tuple[str, str]] = Counter()
    with made.path.open(newline="", encoding="utf-8") as handle:
        for song, day, plays in list(csv.reader(handle))[1:]:
            expected[(song, day)] += int(plays)
    page = visit.section("reports")
    storage_puts: list[str] = []
    page.on("request", lambda request: storage_puts.append(request.url) if request.method == "PUT" else None)

    totals = upload_and_download(page, made.path, tmp_path)

    assert totals == dict(expected)
    assert len(storage_puts) == 1
    assert "X-Amz-Signature=" in storage_puts[0]


def test_a_file_that_is_not_a_plays_csv_is_explained_beside_the_field(visit: Visit, tmp_path: Path) -> None:
    wrong = tmp_path / "posts.csv"
    wrong.write_text("userId,title,body\n1,a,b\n")
    page = visit.section("reports")
    page.set_input_files("#report-form input[type=file]", str(wrong))
    page.click("#report-form button[type=submit]")

    expect(page.locator('#report-form [data-error-for="file"]')).to_contain_text(
        "file: header: expected Song,Date,Number of Plays"
    )
