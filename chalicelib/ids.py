"""The service's ids: a random UUID's 32 hex digits, for jobs, uploads and imports alike.

The one place their form is written: the API's path parameters and bodies, and the job kinds'
parameters, check ids with ``Id``.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from pydantic import StringConstraints

PATTERN = "^[0-9a-f]{32}$"
Id = Annotated[str, StringConstraints(pattern=PATTERN)]


def new_id() -> str:
    """A fresh id: 122 random bits, so two never meet."""
    return uuid.uuid4().hex
