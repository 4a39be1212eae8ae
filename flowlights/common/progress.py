"""Progress bars for long runs (tqdm): live on a terminal; in a log, one line every half minute
and one at the end; nothing at all for a run shorter than two seconds."""

from __future__ import annotations

import sys
import time
from typing import Any, TextIO

from tqdm import tqdm

QUIET_SECONDS = 2.0  # runs shorter than this print nothing


class _Bar(tqdm):
    monitor_interval = 0  # no monitor thread: a bar leaves no thread behind


class _Lines:
    """A log file seen through tqdm: each redraw becomes a line of its own (no carriage returns)."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def write(self, text: str) -> None:
        text = text.replace("\r", "\n").strip("\n")
        if text.strip():
            self.stream.write(text + "\n")

    def flush(self) -> None:
        self.stream.flush()


class Progress:
    """``with Progress(total, "episode") as bar: bar.update(done, note)`` — ``done`` is the amount done
    so far (not an increment), ``note`` a short status shown after the bar."""

    def __init__(self, total: float, label: str, stream: TextIO = sys.stderr) -> None:
        self.tty = stream.isatty()
        self.start = time.perf_counter()
        self._bar: Any = _Bar(
            total=max(total, 1e-9),
            desc=label,
            file=stream if self.tty else _Lines(stream),
            leave=True,
            delay=QUIET_SECONDS,
            mininterval=0.2 if self.tty else 30.0,
            dynamic_ncols=self.tty,
            ascii=not self.tty,
            bar_format="{desc} {bar} {percentage:3.0f}% {elapsed}{postfix}",
        )

    def update(self, done: float, note: str = "") -> None:
        if note:
            self._bar.set_postfix_str(note, refresh=False)
        self._bar.update(min(done, self._bar.total) - self._bar.n)

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *exc: object) -> None:
        never_shown = self._bar.last_print_n == 0  # tqdm's close() shows the final state only of a bar it showed
        if not self.tty and never_shown and self._bar.n > 0 and time.perf_counter() - self.start >= QUIET_SECONDS:
            self._bar.refresh()  # the final state, as a line of the log
        self._bar.close()
