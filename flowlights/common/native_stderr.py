"""Lines a native library writes straight to file descriptor 2 (Python's ``sys.stderr`` never sees them), filtered:
Ray's C++ core announces at start-up, as a timestamped log line, the log level it was asked to keep — a line a
newcomer reads as part of a failure. Everything else is passed on."""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from typing import Iterator, Sequence


@contextlib.contextmanager
def native_stderr_without(noise: Sequence[str]) -> Iterator[None]:
    """Inside, file descriptor 2 goes to a temporary file; on leaving, every line of it that contains none of
    ``noise`` is written to stderr (nothing is lost but the noise, also when the body raises)."""
    sys.stderr.flush()
    try:
        saved = os.dup(2)
    except OSError:  # no stderr to filter (a daemon)
        yield
        return
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            captured.seek(0)
            kept = [
                line
                for line in captured.read().decode(errors="replace").splitlines(keepends=True)
                if not any(text in line for text in noise)
            ]
            sys.stderr.write("".join(kept))
            sys.stderr.flush()
