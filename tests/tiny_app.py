"""A throwaway Chalice app for the local Lambda runner's tests: short timeouts, a small memory size,
and handlers that misbehave on request (sleep past the timeout, eat memory, crash, raise)."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from infra.local.lambda_functions import Function
from infra.local.stack import ROOT

APP = '''
import json, os, signal, time
from pathlib import Path
from chalice import Chalice

app = Chalice(app_name="tiny")
OUT = Path(os.environ["TINY_OUT"])
with (OUT / "imports.log").open("a") as imports:
    imports.write(f"{os.getpid()}\\n")


def act(event, context):
    """Do what the event says, as a plain Lambda handler."""
    what = event["do"]
    if what == "pid":
        return os.getpid()
    if what == "env":
        return os.environ.get(event["name"])
    if what == "sleep":
        time.sleep(event["seconds"])
        return "slept"
    if what == "until_deadline":
        while context.get_remaining_time_in_millis() > 300:
            time.sleep(0.01)
        return context.get_remaining_time_in_millis()
    if what == "eat":
        hog = b"x" * (event["mb"] << 20)
        time.sleep(60)
        return len(hog)
    if what == "exit":
        os._exit(3)
    if what == "segfault":
        os.kill(os.getpid(), signal.SIGSEGV)
    raise ValueError(f"boom: {what}")


@app.on_sqs_message(queue="tiny", batch_size=1, maximum_concurrency=3)
def work(event):
    for record in event:
        body = json.loads(record.body)
        if body["do"] == "exit":
            os._exit(3)
        (OUT / f"done-{body['job_id']}").write_text(str(os.getpid()))


@app.on_sqs_message(queue="tiny-other", batch_size=2)
def other(event):
    pass
'''

SCHEDULED_APP = """
import json, os, time
from pathlib import Path
from chalice import Chalice

app = Chalice(app_name="tiny")
OUT = Path(os.environ["TINY_OUT"])


@app.schedule("rate(1 hour)")
def sweep(event):
    (OUT / f"swept-{time.monotonic_ns()}.json").write_text(json.dumps(event.to_dict()))
"""

CONFIG = {
    "version": "2.0",
    "app_name": "tiny",
    "lambda_timeout": 60,
    "stages": {
        "local": {
            "lambda_memory_size": 128,
            "environment_variables": {"TINY_STAGE": "local"},
            "lambda_functions": {"act": {"lambda_timeout": 2}, "work": {"lambda_timeout": 2}},
        }
    },
}


def write_tiny_app(folder: Path) -> Path:
    """The apps in ``folder`` (app.py, .chalice/config.json; scheduled/app.py) and its output folder ``folder/out``."""
    (folder / "out").mkdir(parents=True, exist_ok=True)
    (folder / "app.py").write_text(APP)
    (folder / "scheduled").mkdir(exist_ok=True)
    (folder / "scheduled" / "app.py").write_text(SCHEDULED_APP)
    (folder / ".chalice").mkdir(exist_ok=True)
    (folder / ".chalice" / "config.json").write_text(json.dumps(CONFIG))
    return folder / "out"


def act(folder: Path, timeout: float = 2, memory_mb: int = 128) -> Function:
    """The tiny app's plain handler ``act`` as a Lambda function."""
    return Function("act", "app.act", timeout, memory_mb, folder, {"TINY_OUT": str(folder / "out")})


@contextmanager
def local_runner(project_dir: Path, env: dict[str, str], log: Path, *args: str) -> Iterator[subprocess.Popen[bytes]]:
    """The local Lambda runner serving ``project_dir``, its output in ``log``. When the block ends it is
    asked to stop (SIGTERM) and must stop cleanly; if the block failed, it is killed."""
    command = [sys.executable, "-m", "infra.local.lambda_runner", "--project-dir", str(project_dir), *args]
    with log.open("w") as sink:
        runner = subprocess.Popen(command, cwd=ROOT, env=env, stdout=sink, stderr=subprocess.STDOUT)
    try:
        yield runner
        runner.send_signal(signal.SIGTERM)
        code = runner.wait(timeout=30)
        assert code == 0, f"the runner stopped with code {code}:\n{log.read_text()}"
    finally:
        if runner.poll() is None:
            runner.kill()
            runner.wait()
