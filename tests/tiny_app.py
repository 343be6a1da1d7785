"""A throwaway Chalice app for the local Lambda runner's tests: short timeouts, a small memory size,
and handlers that misbehave on request (sleep past the timeout, eat memory, crash, raise)."""

from __future__ import annotations

import json
from pathlib import Path

from infra.local.lambda_functions import Function

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
