"""The page's files, found by name in ``static/`` and read with the content type a browser needs."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

STATIC = Path(__file__).parent / "static"
# Module scripts are refused by browsers unless served with a JavaScript type.
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
}


@dataclass(frozen=True)
class Asset:
    body: str
    content_type: str


@cache
def names() -> frozenset[str]:
    """The files that may be served: exactly those in ``static/`` with a known type, nothing else."""
    return frozenset(path.name for path in STATIC.iterdir() if path.suffix in CONTENT_TYPES)


def asset(name: str) -> Asset | None:
    """The file ``name`` of ``static/``, or None when there is none (no paths: a name only)."""
    if name not in names():
        return None
    path = STATIC / name
    return Asset(path.read_text(encoding="utf-8"), CONTENT_TYPES[path.suffix])
