"""What LocalStack 4.14.0 would download on first use, made here from what this machine already has.

LocalStack counts a package as installed when its marker file exists under
``$FILESYSTEM_ROOT/var/lib/localstack/lib``; with these in place it downloads nothing:

- ``dynamodb-local/2/DynamoDBLocal.jar`` and ``DynamoDBLocal_lib/``: the jar the embedded stack
  already runs (``infra.local.dynamodb_local``, from npm);
- ``dynamodb-local/2/ddb-local-loader-0.1.jar``: the Java agent LocalStack attaches to it, here a
  no-op one built with ``javac`` and ``jar`` from ``agent/DdbLocalLoader.java``;
- ``java/21``: a link to this machine's Java home (17 is enough for DynamoDB Local 2).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from infra.local import dynamodb_local
from infra.local.dynamodb_local import require

AGENT_SOURCE = Path(__file__).resolve().parent / "agent" / "DdbLocalLoader.java"
AGENT_JAR = "ddb-local-loader-0.1.jar"
JAVA_FIX = "LocalStack's DynamoDB needs a JDK, 17 or newer (Debian: apt-get install openjdk-17-jdk-headless)."


def java_home() -> Path:
    """``JAVA_HOME`` if set, else the home of the ``javac`` on PATH (``<home>/bin/javac``)."""
    if os.environ.get("JAVA_HOME"):
        return Path(os.environ["JAVA_HOME"])
    return Path(require("javac", JAVA_FIX)).resolve().parents[1]


def _link(link: Path, target: Path) -> None:
    """``link`` pointing at ``target``, replacing whatever was there."""
    if link.is_symlink() and Path(os.readlink(link)) == target:
        return
    if link.is_symlink() or link.exists():
        link.unlink()
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(target)


def build_agent(jar_path: Path) -> None:
    """The no-op agent jar (``Premain-Class: DdbLocalLoader``), built in a scratch folder then moved."""
    javac, jar = require("javac", JAVA_FIX), require("jar", JAVA_FIX)
    with tempfile.TemporaryDirectory() as scratch:
        classes, manifest = Path(scratch) / "classes", Path(scratch) / "MANIFEST.MF"
        subprocess.run([javac, "--release", "11", "-d", str(classes), str(AGENT_SOURCE)], check=True)
        manifest.write_text("Premain-Class: DdbLocalLoader\nAgent-Class: DdbLocalLoader\n")
        built = Path(scratch) / AGENT_JAR
        subprocess.run([jar, "cfm", str(built), str(manifest), "-C", str(classes), "."], check=True)
        jar_path.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(built), jar_path)


def ensure_lib(cache: Path) -> Path:
    """The prepared ``lib`` folder under ``cache`` (made once, shared by every LocalStack we start)."""
    lib = cache / "localstack-lib"
    dynamodb = lib / "dynamodb-local" / "2"
    jars = dynamodb_local.ensure_installed(cache)
    _link(dynamodb / dynamodb_local.JAR, jars / dynamodb_local.JAR)
    _link(dynamodb / "DynamoDBLocal_lib", jars / "DynamoDBLocal_lib")
    if not (dynamodb / AGENT_JAR).exists():
        build_agent(dynamodb / AGENT_JAR)
    _link(lib / "java" / "21", java_home())
    return lib


def filesystem_root(folder: Path, lib: Path) -> Path:
    """A fresh ``FILESYSTEM_ROOT`` for one LocalStack: its own ``var``/``tmp``, the shared ``lib``."""
    root = folder / "localstack-root"
    shutil.rmtree(root, ignore_errors=True)
    (root / "var" / "lib" / "localstack").mkdir(parents=True)
    (root / "var" / "lib" / "localstack" / "lib").symlink_to(lib)
    return root
