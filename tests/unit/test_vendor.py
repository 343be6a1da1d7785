"""vendor/ (copied into the Lambda zip by Chalice) holds exactly the PynamoDB the tests run with."""

from __future__ import annotations

import base64
import hashlib
import re
from importlib import metadata
from pathlib import Path

import pytest

from infra.stages import ROOT
from infra.vendor import VENDOR, VENDORED, pinned

# What the python3.11 Lambda runtime provides itself: the zip must not carry its own copy.
RUNTIME_PROVIDED = ("boto3", "botocore", "s3transfer", "jmespath", "python-dateutil", "urllib3", "six")


def vendored_files(top: Path) -> set[str]:
    """Files under ``top``, relative to vendor/, without bytecode caches."""
    return {
        path.relative_to(VENDOR).as_posix()
        for path in top.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }


def sha256(path: Path) -> str:
    """The hash as a wheel's RECORD writes it: urlsafe base64 without padding."""
    return base64.urlsafe_b64encode(hashlib.sha256(path.read_bytes()).digest()).rstrip(b"=").decode()


@pytest.mark.parametrize("name", VENDORED)
def test_vendor_holds_the_pinned_version_installed_here(name: str) -> None:
    version = pinned(name)
    assert metadata.version(name) == version  # the virtual environment installed the pin
    [info] = VENDOR.glob(f"{name}-*.dist-info")
    assert metadata.Distribution.at(info).version == version
    assert (info / "licenses" / "LICENSE").is_file()  # its license ships with it


@pytest.mark.parametrize("name", VENDORED)
def test_vendored_files_are_the_installed_ones(name: str) -> None:
    installed = metadata.distribution(name)
    expected = {
        str(record): record
        for record in installed.files or []
        if record.parts[0] == name and "__pycache__" not in record.parts
    }
    assert expected, f"{name}'s RECORD lists no files"
    assert vendored_files(VENDOR / name) == set(expected)
    for relative, record in expected.items():
        assert record.hash is not None
        assert record.hash.mode == "sha256"
        assert sha256(VENDOR / relative) == record.hash.value, relative


def test_vendor_holds_nothing_else() -> None:
    tops = {path.name for path in VENDOR.iterdir() if path.name != "__pycache__"}
    allowed = set(VENDORED) | {f"{name}-{pinned(name)}.dist-info" for name in VENDORED}
    assert tops == allowed


def test_requirements_leave_out_what_the_runtime_has_and_what_is_vendored() -> None:
    # chalice package installs requirements.txt with every dependency: PynamoDB there would bring
    # botocore back into the zip.
    names = {
        re.split(r"[\s<>=!~\[;]", line.strip(), maxsplit=1)[0].lower()
        for line in (ROOT / "requirements.txt").read_text().splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    }
    assert names, "requirements.txt names nothing"
    assert not names & {*RUNTIME_PROVIDED, *VENDORED}


def test_pinned_needs_an_exact_pin(tmp_path: Path) -> None:
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("# pynamodb==1.0 in a comment\nPynamoDB == 6.1.0 ; python_version >= '3'\nboto3>=1.35\n")
    assert pinned("pynamodb", requirements) == "6.1.0"
    with pytest.raises(LookupError, match="boto3"):
        pinned("boto3", requirements)
