"""A local HTTP server run from a daemon thread (the chaos proxy, the fake posts API): ``start`` and
``stop``, and a ``with`` block that does both."""

from __future__ import annotations

from types import TracebackType
from typing import Self


class InThread:
    """Subclasses bind and serve in ``start`` (returning ``self``) and shut down in ``stop``."""

    def start(self) -> Self:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()
