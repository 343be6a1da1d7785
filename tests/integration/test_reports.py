"""Play-count reports through real HTTP: a multipart upload, and a presigned PUT straight to storage."""

from __future__ import annotations

import csv
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import requests

from chalicelib.reports.csvfile import read_totals
from infra import plays_data
from infra.local.stack import ROOT, stack_name
from tests.stack import Service, until_finished

pytestmark = pytest.mark.integration
PLAYS = (
    b"Song,Date,Number of Plays\r\nUmbrella,2020-01-02,200\r\nUmbrella,2020-01-01,100\r\n"
    b'In The End,2020-01-01,500\r\n"Say ""Hi"", World",2020-01-01,7\r\nUmbrella,2020-01-01,50\r\n'
    b"In The End,2020-01-01,1000\r\nUmbrella,2020-01-02,50\r\nIn The End,2020-01-02,500"
)
TOTALS = {
    ("Umbrella", "2020-01-01"): 150,
    ("Umbrella", "2020-01-02"): 250,
    ("In The End", "2020-01-01"): 1500,
    ("In The End", "2020-01-02"): 500,
    ('Say "Hi", World', "2020-01-01"): 7,
}


def finished(service: Service, report_id: str, timeout: float = 60) -> dict[str, Any]:
    return until_finished(f"{service.api}/reports/{report_id}", timeout)


def test_upload_in_the_request_and_download_the_totals(service: Service) -> None:
    response = requests.post(f"{service.api}/reports", files={"file": ("plays.csv", PLAYS, "text/csv")}, timeout=10)
    assert response.status_code == 202

    answer = finished(service, response.json()["id"])

    assert answer["status"] == "succeeded"
    download = requests.get(answer["result_url"], timeout=10)
    assert download.status_code == 200
    assert read_totals(download.content) == TOTALS


def test_presigned_upload_straight_to_storage(service: Service) -> None:
    ticket = requests.post(f"{service.api}/reports/uploads", json={"size": len(PLAYS)}, timeout=10).json()
    put = requests.put(ticket["url"], data=PLAYS, headers=ticket["headers"], timeout=30)
    assert put.status_code == 200

    response = requests.post(f"{service.api}/reports/from-upload", json={"upload_id": ticket["upload_id"]}, timeout=10)
    assert response.status_code == 202
    answer = finished(service, response.json()["id"])

    assert (answer["status"], answer["rows_in"], answer["pairs"]) == ("succeeded", 8, 5)
    assert read_totals(requests.get(answer["result_url"], timeout=10).content) == TOTALS


@pytest.mark.skipif(stack_name() == "embedded", reason="moto server accepts any presigned request (README, LocalStack)")
@pytest.mark.parametrize(
    ("what", "body", "headers"),
    [
        ("a longer body", PLAYS + b"\r\nUmbrella,2020-01-03,1", {}),
        ("another content type", PLAYS, {"Content-Type": "application/octet-stream"}),
    ],
)
def test_a_presigned_upload_url_takes_only_what_it_was_signed_for(
    service: Service, what: str, body: bytes, headers: dict[str, str]
) -> None:
    """As on AWS: the size and type are signed, so storage refuses anything else (LocalStack checks)."""
    ticket = requests.post(f"{service.api}/reports/uploads", json={"size": len(PLAYS)}, timeout=10).json()
    put = requests.put(ticket["url"], data=body, headers={**ticket["headers"], **headers}, timeout=30)
    assert put.status_code == 403, what


def test_the_command_line_client_does_the_round_trip(service: Service, tmp_path: Path) -> None:
    made = plays_data.generate(tmp_path / "plays.csv", target_bytes=2_000_000, songs=300, days=30, seed=9)
    expected: Counter[tuple[str, str]] = Counter()
    with made.path.open(newline="") as handle:
        for song, day, plays in list(csv.reader(handle))[1:]:
            expected[(song, day)] += int(plays)
    out = tmp_path / "totals.csv"

    done = subprocess.run(
        [sys.executable, "-m", "jobsvc", "--api", service.api, "report", str(made.path), "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert done.returncode == 0, done.stderr
    assert read_totals(out.read_bytes()) == dict(expected)
