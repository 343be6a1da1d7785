"""Progress bars on stderr, stdlib only. On a terminal one line redrawn in place (at most 4 times a
second); elsewhere (a pipe, a log, CI) a new line only when what it says changes, so a log of a long
import is a few dozen lines, not thousands of carriage returns."""

from __future__ import annotations

import sys
import time
from typing import TextIO

REFRESH_SECONDS = 0.25
WIDTH = 24


def bar(fraction: float | None, width: int = WIDTH) -> str:
    """``[#########...............]`` for a fraction 0..1; ``[?   ...]`` when unknown."""
    if fraction is None:
        return "[" + "?".ljust(width) + "]"
    filled = round(min(max(fraction, 0.0), 1.0) * width)
    return "[" + "#" * filled + "." * (width - filled) + "]"


def percent(fraction: float | None) -> str:
    return "    ?%" if fraction is None else f"{100 * min(max(fraction, 0.0), 1.0):5.1f}%"


class Line:
    """One status line: redrawn in place on a terminal, else written again when its ``key`` changes."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.drawn = 0.0
        self.width = 0
        self.key: object = None

    def show(self, text: str, key: object = None, force: bool = False) -> None:
        now = time.monotonic()
        if self.tty:
            if force or now - self.drawn >= REFRESH_SECONDS:
                self.stream.write("\r" + text.ljust(self.width))
                self.width = max(self.width, len(text))
                self.drawn = now
        else:
            key = text if key is None else key
            if key != self.key:
                self.stream.write(text + "\n")
        self.key = text if key is None else key
        self.stream.flush()

    def end(self) -> None:
        """Leave the line as it is and go on below it."""
        if self.tty and self.width:
            self.stream.write("\n")
            self.stream.flush()
        self.width = 0


class ByteBar:
    """Bytes sent or received: a bar, the percent, MB and MB/s."""

    def __init__(self, label: str, total: int | None, stream: TextIO | None = None) -> None:
        self.label, self.total, self.done = label, total, 0
        self.started = time.monotonic()
        self.line = Line(stream)

    def add(self, count: int) -> None:
        self.done += count
        self.draw()

    def rate(self) -> float:
        """MB/s (10**6 bytes) so far."""
        return self.done / 1e6 / max(time.monotonic() - self.started, 1e-9)

    def fraction(self) -> float | None:
        return self.done / self.total if self.total else None

    def draw(self, force: bool = False) -> None:
        fraction = self.fraction()
        text = f"{self.label} {bar(fraction)} {percent(fraction)} {self.done / 1e6:,.1f} MB {self.rate():,.1f} MB/s"
        self.line.show(text, key=None if fraction is None else int(10 * fraction), force=force)

    def finish(self) -> float:
        """Draw the final line; the seconds it took."""
        self.line.key = None
        self.draw(force=True)
        self.line.end()
        return time.monotonic() - self.started


class JobBar:
    """A job as it runs: a bar of its ``progress``, its status, a few counters and the time since."""

    def __init__(self, label: str, stream: TextIO | None = None) -> None:
        self.label = label
        self.started = time.monotonic()
        self.line = Line(stream)

    def update(self, job: dict[str, object], counters: str = "", force: bool = False) -> None:
        raw = job.get("progress")
        fraction = float(raw) if isinstance(raw, int | float) else None
        status = str(job.get("status", "?"))
        elapsed = time.monotonic() - self.started
        text = f"{self.label} {bar(fraction)} {percent(fraction)} {status:<9} {counters}".rstrip()
        self.line.show(f"{text}  {elapsed:,.1f} s", key=(status, percent(fraction), counters), force=force)

    def end(self) -> None:
        self.line.end()
