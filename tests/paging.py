"""Reading a cursor listing to its end, for the listing tests over the test client and over HTTP."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def every_page(fetch: Callable[..., dict[str, Any]], most: int) -> list[dict[str, Any]]:
    """Each page, ``fetch()`` then ``fetch(cursor=...)`` following ``next_cursor`` until it is null (at
    most ``most`` pages: more means the cursor does not move on)."""
    pages = [fetch()]
    while pages[-1]["next_cursor"] is not None:
        assert len(pages) < most, "the cursor does not move on"
        pages.append(fetch(cursor=pages[-1]["next_cursor"]))
    return pages
