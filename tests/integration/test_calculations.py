"""Calculations through real HTTP on the local stack, run by the local Lambda runner."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from tests.stack import Service, until_finished

pytestmark = pytest.mark.integration


def wait_until_finished(service: Service, calculation: str, timeout: float = 60) -> dict[str, Any]:
    return until_finished(f"{service.api}/calculations/{calculation}?fields=name,duration", timeout)


def test_submitted_calculations_run_and_list_in_launch_order(service: Service) -> None:
    bodies = [
        {"date_start": "2021-01-01", "date_fin": "2021-12-31", "lag": lag, "name": f"lag {lag}"} for lag in (1, 7, 30)
    ]
    ids = []
    for body in bodies:
        response = requests.post(f"{service.api}/calculations", json=body, timeout=10)
        assert response.status_code == 201
        ids.append(response.json()["id"])

    finished = [wait_until_finished(service, calculation) for calculation in ids]

    assert [body["status"] for body in finished] == ["succeeded"] * 3
    assert [len(body["result"]) for body in finished] == [365, 53, 13]
    assert [body["name"] for body in finished] == ["lag 1", "lag 7", "lag 30"]
    listed = requests.get(f"{service.api}/calculations?order=desc", timeout=10).json()["items"]
    assert [item["id"] for item in listed[:3]] == ids[::-1]
    assert {item["status"] for item in listed[:3]} == {"succeeded"}


def test_a_century_every_day_over_http(service: Service) -> None:
    body = {"date_start": "1925-01-01", "date_fin": "2024-12-31", "lag": 1}
    calculation = requests.post(f"{service.api}/calculations", json=body, timeout=10).json()["id"]
    finished = wait_until_finished(service, calculation)
    assert len(finished["result"]) == 36_525
    assert finished["duration"] > 0


def test_invalid_input_over_http(service: Service) -> None:
    response = requests.post(f"{service.api}/calculations", json={"date_start": "2021-01-01"}, timeout=10)
    assert response.status_code == 400
    assert response.json()["Message"].startswith("date_fin:")
