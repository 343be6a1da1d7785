"""``make run``'s program: it starts everything, serves the loaded data, and Ctrl-C (or SIGTERM) stops it all."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from infra import sales_data
from infra.local.processes import free_port
from infra.local.stack import ROOT

pytestmark = pytest.mark.integration


def listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_run_serves_the_data_and_a_stop_signal_ends_every_process(tmp_path: Path, stop: signal.Signals) -> None:
    sales_data.generate(tmp_path, sales_rows=300, seed=2)
    ports = {
        "API_PORT": free_port(),
        "DYNAMODB_PORT": free_port(),
        "MOTO_PORT": free_port(),
        "POSTS_API_PORT": free_port(),
    }
    env = {**os.environ, "SALES_DATA_DIR": str(tmp_path), **{name: str(port) for name, port in ports.items()}}
    env.pop("POSTS_API_URL", None)
    run = subprocess.Popen(
        [sys.executable, "-m", "infra.local.run"],
        cwd=ROOT,
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    output = []
    try:
        assert run.stdout is not None
        for line in run.stdout:
            output.append(line)
            if line.startswith("ready:"):
                break
        assert output and output[-1].startswith("ready:"), "".join(output)
        assert f"http://127.0.0.1:{ports['API_PORT']}" in "".join(output)

        answer = requests.get(f"http://127.0.0.1:{ports['API_PORT']}/logs?table_name=sales", timeout=10).json()
        assert len(answer["records"]) == 100

        run.send_signal(stop)
        assert run.wait(timeout=30) == 0
    finally:
        if run.poll() is None:
            run.kill()
    time.sleep(0.5)
    assert [name for name, port in ports.items() if listening(port)] == []
