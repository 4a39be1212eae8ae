"""What a native library writes straight to file descriptor 2 is filtered of known noise, nothing else is lost."""

from __future__ import annotations

import os

import pytest

from flowlights.common.native_stderr import native_stderr_without


def test_only_the_noise_is_dropped(capfd):
    with native_stderr_without(["Set ray log level"]):
        os.write(2, b"[2026 I 1 1] logging.cc:303: Set ray log level from environment variable X to 3\n")
        os.write(2, b"[2026 E 1 1] raylet.cc:1: a real failure\n")
    os.write(2, b"after\n")
    err = capfd.readouterr().err
    assert "Set ray log level" not in err
    assert "a real failure" in err and err.index("a real failure") < err.index("after")


def test_lines_written_before_a_failure_are_kept(capfd):
    with pytest.raises(RuntimeError, match="init failed"):
        with native_stderr_without(["noise"]):
            os.write(2, b"why it failed\nnoise\n")
            raise RuntimeError("init failed")
    err = capfd.readouterr().err
    assert "why it failed" in err and "noise" not in err
