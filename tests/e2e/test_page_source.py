"""The page's own files, read as text: rules a browser run would only catch by chance."""

from __future__ import annotations

import re

from chalicelib.web.assets import STATIC

# Ways of turning text into markup: data from the server must go in as text (textContent).
MARKUP_SINKS = re.compile(r"innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function\(")
# The SVG namespace is a name, not a download.
STORAGE_NAMES = ("sessionStorage.", "localStorage.", '"x-api-key"')
OUTSIDE_URL = re.compile(r"(?:https?:)?//(?!www\.w3\.org/2000/svg)[a-z0-9.-]+\.[a-z]{2,}", re.IGNORECASE)


def test_no_script_turns_text_into_markup() -> None:
    for path in STATIC.glob("*.js"):
        found = MARKUP_SINKS.findall(path.read_text())
        assert found == [], f"{path.name} uses {found}"


def test_nothing_is_loaded_from_outside_the_service() -> None:
    for path in STATIC.iterdir():
        found = OUTSIDE_URL.findall(path.read_text())
        assert found == [], f"{path.name} refers to {found}"


def test_the_api_key_is_kept_for_the_tab_only_and_sent_from_one_place() -> None:
    """sessionStorage (gone with the tab), read and written by key.js alone; the header set by api.js
    alone, so no request of the page goes without it; localStorage (kept for good) nowhere."""
    users = {name: [path.name for path in STATIC.iterdir() if name in path.read_text()] for name in STORAGE_NAMES}
    assert users == {"sessionStorage.": ["key.js"], "localStorage.": [], '"x-api-key"': ["api.js"]}
    # Every request goes through api.js: no other file calls fetch or XMLHttpRequest.
    callers = sorted(
        path.name for path in STATIC.glob("*.js") if re.search(r"\bfetch\(|XMLHttpRequest", path.read_text())
    )
    assert callers == ["api.js"]
