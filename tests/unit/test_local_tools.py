"""Without Java or npm, the local stack says what is missing and how to install it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from infra.local import dynamodb_local
from infra.local.dynamodb_local import MissingTool


@pytest.fixture
def nothing_on_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda program: None)


def test_missing_java_names_the_fix(nothing_on_path: None, tmp_path: Path) -> None:
    with pytest.raises(MissingTool, match=r"`java` was not found on PATH\. .*Java 17.*apt-get install openjdk-17"):
        dynamodb_local.command(tmp_path, 8001)


def test_missing_npm_names_the_fix(nothing_on_path: None, tmp_path: Path) -> None:
    with pytest.raises(MissingTool, match=r"`npm` was not found on PATH\. .*apt-get install nodejs npm"):
        dynamodb_local.ensure_installed(tmp_path)


def test_an_installed_emulator_needs_no_npm(nothing_on_path: None, tmp_path: Path) -> None:
    folder = tmp_path / "dynamodb-local"
    folder.mkdir()
    (folder / dynamodb_local.JAR).write_bytes(b"")
    assert dynamodb_local.ensure_installed(tmp_path) == folder
