"""The page's own files, read as text: rules a browser run would only catch by chance."""

from __future__ import annotations

import re

from chalicelib.web.assets import STATIC

# Ways of turning text into markup: data from the server must go in as text (textContent).
MARKUP_SINKS = re.compile(r"innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function\(")
# The SVG namespace is a name, not a download.
OUTSIDE_URL = re.compile(r"(?:https?:)?//(?!www\.w3\.org/2000/svg)[a-z0-9.-]+\.[a-z]{2,}", re.IGNORECASE)


def test_no_script_turns_text_into_markup() -> None:
    for path in STATIC.glob("*.js"):
        found = MARKUP_SINKS.findall(path.read_text())
        assert found == [], f"{path.name} uses {found}"


def test_nothing_is_loaded_from_outside_the_service() -> None:
    for path in STATIC.iterdir():
        found = OUTSIDE_URL.findall(path.read_text())
        assert found == [], f"{path.name} refers to {found}"
