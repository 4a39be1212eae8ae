"""A small progress bar on stderr: redrawn in place on a terminal, every 10% otherwise."""
from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    """``with Progress(total, "episode") as bar: bar.update(done, note)``."""

    def __init__(self, total: float, label: str, stream: TextIO = sys.stderr, width: int = 30) -> None:
        self.total, self.label, self.stream, self.width = max(total, 1e-9), label, stream, width
        self.tty = stream.isatty()
        self.start = time.perf_counter()
        self._last_decile = -1

    def update(self, done: float, note: str = "") -> None:
        fraction = min(done / self.total, 1.0)
        decile = int(fraction * 10)
        if not self.tty and decile == self._last_decile:
            return
        self._last_decile = decile
        filled = int(fraction * self.width)
        elapsed = time.perf_counter() - self.start
        line = f"{self.label} [{'#' * filled}{'.' * (self.width - filled)}] {fraction:4.0%} {elapsed:6.1f}s {note}"
        self.stream.write(("\r" + line) if self.tty else line + "\n")
        self.stream.flush()

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *exc: object) -> None:
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()
