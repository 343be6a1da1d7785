"""LocalStack in host mode: ``make test-localstack`` and ``STACK=localstack make run`` stop early,
saying how to get what is missing; the files LocalStack would download are made from this machine's
Java and DynamoDB Local jar, and Java accepts them; an unknown ``STACK`` is refused by name."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from infra.local import dynamodb_local
from infra.local.processes import free_port
from infra.local.stack import ROOT
from infra.localstack import files

MAKE = shutil.which("make")
SYSTEM_JAVA = {name: shutil.which(name) for name in ("javac", "jar", "java", "npm")}
needs_jdk = pytest.mark.skipif(not all(SYSTEM_JAVA.values()), reason="needs javac, jar, java and npm on PATH")


def a_python_312() -> str | None:
    """A Python >= 3.12 as the Makefile finds one (None on a machine without)."""
    done = subprocess.run([str(MAKE), "-s", "-f", "-", "show"], input=_SHOW, text=True, capture_output=True, cwd=ROOT)
    return done.stdout.strip() or None


_SHOW = "include Makefile\nshow:\n\t@echo $(LOCALSTACK_PYTHON)\n"


def prerequisites(tmp_path: Path, tools: list[str], **variables: str) -> subprocess.CompletedProcess[str]:
    """``make localstack-prerequisites`` with only ``tools`` on PATH and a HOME without pyenv."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    for tool in tools:
        (bin_dir / tool).symlink_to(str(SYSTEM_JAVA[tool]))
    env = {"PATH": str(bin_dir), "HOME": str(tmp_path), **variables}
    return subprocess.run(
        [str(MAKE), "-s", "localstack-prerequisites"], env=env, cwd=ROOT, capture_output=True, text=True, timeout=60
    )


@needs_jdk
def test_without_python_312_it_stops_saying_how_to_get_one(tmp_path: Path) -> None:
    done = prerequisites(tmp_path, ["javac", "jar", "npm"])
    assert done.returncode == 2
    assert "needs Python >= 3.12 (none found on PATH or in ~/.pyenv)" in done.stderr
    assert "pyenv install 3.13" in done.stderr and "LOCALSTACK_PYTHON=" in done.stderr


@needs_jdk
@pytest.mark.skipif(sys.version_info >= (3, 12), reason="the tests' own Python is the older one it refuses")
def test_a_named_python_older_than_312_is_refused(tmp_path: Path) -> None:
    done = prerequisites(tmp_path, ["javac", "jar", "npm"], LOCALSTACK_PYTHON=sys.executable)
    assert done.returncode == 2 and f"needs Python >= 3.12 ({sys.executable})" in done.stderr


@needs_jdk
@pytest.mark.parametrize(
    ("missing", "fix"), [("javac", "apt-get install openjdk-17-jdk-headless"), ("npm", "apt-get install nodejs npm")]
)
def test_without_javac_or_npm_it_stops_saying_how_to_get_it(tmp_path: Path, missing: str, fix: str) -> None:
    python = a_python_312()
    if python is None:
        pytest.skip("no Python >= 3.12 here")
    present = [tool for tool in ("javac", "jar", "npm") if tool != missing]
    done = prerequisites(tmp_path, present, LOCALSTACK_PYTHON=python)
    assert done.returncode == 2 and fix in done.stderr


@needs_jdk
def test_the_prepared_files_are_where_localstack_looks_and_java_runs_with_them(tmp_path: Path) -> None:
    jars = tmp_path / "dynamodb-local"
    (jars / "DynamoDBLocal_lib").mkdir(parents=True)
    (jars / dynamodb_local.JAR).write_bytes(b"stand-in")  # present: nothing is fetched from npm

    lib = files.ensure_lib(tmp_path)
    again = files.ensure_lib(tmp_path)  # a second run changes nothing and rebuilds nothing

    dynamodb = lib / "dynamodb-local" / "2"
    assert again == lib
    assert (dynamodb / "DynamoDBLocal.jar").read_bytes() == b"stand-in"
    assert (dynamodb / "DynamoDBLocal_lib").is_dir()
    java = lib / "java" / "21" / "bin" / "java"  # the marker LocalStack's Java installer checks
    agent = dynamodb / files.AGENT_JAR
    ran = subprocess.run([str(java), f"-javaagent:{agent}", "-version"], capture_output=True, text=True, timeout=60)
    assert ran.returncode == 0, ran.stderr  # Java loads the agent (a jar without Premain-Class stops it)

    root = files.filesystem_root(tmp_path / "run", lib)
    assert (root / "var" / "lib" / "localstack" / "lib" / "java" / "21" / "bin" / "java").exists()


def test_an_unknown_stack_is_refused_naming_the_choices() -> None:
    env = {**os.environ, "STACK": "docker", "API_PORT": str(free_port())}
    done = subprocess.run(
        [sys.executable, "-m", "infra.local.run"], env=env, cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    assert "STACK='docker' is not a local stack; choose one of embedded, localstack" in done.stderr
