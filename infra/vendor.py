"""``make vendor``: ``vendor/`` holds PynamoDB, at the version requirements-dev.txt pins.

Chalice copies the contents of ``vendor/`` to the root of the deployment zip, beside what it
installs from requirements.txt. PynamoDB comes this way, not from requirements.txt, because
Chalice installs a requirement with all its dependencies, and PynamoDB's is botocore (15 MiB
zipped), which the Lambda python3.11 runtime already has, with boto3. PynamoDB is pure Python
(no compiled parts), so the files pip installs here are the ones that run on Lambda.

``vendor/`` is committed, so a bare ``chalice deploy`` ships a working app;
``tests/unit/test_vendor.py`` checks that it holds exactly the pinned version, file by file,
as installed in the virtual environment the tests run in. After changing the pin in
requirements-dev.txt, run ``make vendor`` and commit ``vendor/``.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from infra.stages import ROOT

VENDOR = ROOT / "vendor"
DEV_REQUIREMENTS = ROOT / "requirements-dev.txt"
# The distributions vendor/ holds: each pinned exactly in requirements-dev.txt, pure Python.
VENDORED = ("pynamodb",)


def pinned(name: str, requirements: Path = DEV_REQUIREMENTS) -> str:
    """The version ``requirements`` pins ``name`` to (``name==X``); raise if it is not pinned."""
    pattern = re.compile(rf"^\s*{re.escape(name)}\s*==\s*([^\s;#]+)", re.IGNORECASE)
    for line in requirements.read_text().splitlines():
        if found := pattern.match(line):
            return found.group(1)
    raise LookupError(f"{requirements.name} does not pin {name} (expected {name}==VERSION)")


def vendor(target: Path = VENDOR) -> list[str]:
    """Replace ``target`` with the pinned distributions, without dependencies or bytecode."""
    specs = [f"{name}=={pinned(name)}" for name in VENDORED]
    with tempfile.TemporaryDirectory() as scratch:
        staged = Path(scratch) / "vendor"
        command = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-compile"]
        subprocess.run([*command, "--target", str(staged), *specs], check=True)
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(staged, target)
    return specs


def main() -> None:
    specs = vendor()
    print(f"{VENDOR.relative_to(ROOT)}/: {', '.join(specs)} (commit it)")


if __name__ == "__main__":
    main()
