"""Progress bars: silent for short runs, one line per half minute and a final line in a log."""

from __future__ import annotations

import io
import time

from flowlights.common import progress
from flowlights.common.progress import Progress


def run(seconds: float, steps: int = 10) -> str:
    stream = io.StringIO()  # not a terminal: a log
    with Progress(steps, "work", stream=stream) as bar:
        for i in range(steps + 1):
            bar.update(i, f"item {i}")
            time.sleep(seconds / steps)
    return stream.getvalue()


def test_short_run_prints_nothing():
    assert run(0.2) == ""


def test_longer_run_in_a_log_prints_whole_lines(monkeypatch):
    monkeypatch.setattr(progress, "QUIET_SECONDS", 0.1)
    out = run(0.5)
    lines = out.splitlines()
    assert 1 <= len(lines) <= 3 and "\r" not in out, out
    assert "100%" in lines[-1] and "item 10" in lines[-1]
