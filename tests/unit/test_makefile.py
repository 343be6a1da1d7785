"""The Makefile's installs: ``make run`` gets only what running needs, and a missing python3.11 is said,
not replaced by whatever Python is on the PATH."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from infra.stages import ROOT

# Needed by make test, lint and package only; make run must not install them.
TEST_TOOLING = {"pytest", "playwright", "mypy", "ruff", "cfn-lint", "aws-sam-translator", "schemathesis", "pandas"}
MAKE = shutil.which("make")


def requirement_names(path: Path) -> set[str]:
    """The distributions a requirements file names, following its ``-r`` includes."""
    names: set[str] = set()
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line.startswith("-r "):
            names |= requirement_names(path.parent / line[3:].strip())
        elif line:
            names.add(re.split(r"[\[<>=~!; ]", line, maxsplit=1)[0].lower())
    return names


def test_make_run_installs_no_test_tooling() -> None:
    run = requirement_names(ROOT / "requirements-dev.txt")
    assert {"chalice", "moto", "boto3", "pynamodb", "requests"} <= run
    assert run & TEST_TOOLING == set()


def test_make_test_installs_the_test_tooling_too() -> None:
    assert TEST_TOOLING | requirement_names(ROOT / "requirements-dev.txt") <= requirement_names(
        ROOT / "requirements-test.txt"
    )


@pytest.mark.skipif(MAKE is None, reason="no make on this machine")
def test_a_missing_python311_is_said_with_how_to_get_it(tmp_path: Path) -> None:
    for name in ("Makefile", "requirements.txt", "requirements-dev.txt", "requirements-test.txt"):
        shutil.copy(ROOT / name, tmp_path / name)
    empty = tmp_path / "bin"  # a PATH without any Python
    empty.mkdir()
    done = subprocess.run(
        [str(MAKE), "run"], cwd=tmp_path, env={"PATH": str(empty)}, capture_output=True, text=True, timeout=60
    )
    assert done.returncode != 0
    assert "python3.11 is missing" in done.stderr
    assert "apt-get install python3.11" in done.stderr
    assert "PYTHON=" in done.stderr
    assert not (tmp_path / ".venv").exists()
