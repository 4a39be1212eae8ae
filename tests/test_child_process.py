"""A function run in a child forked for it: its result comes back, its error is raised here, its crash is named."""

from __future__ import annotations

import os
import signal

import pytest

from flowlights.common.child_process import in_child
from flowlights.errors import ConfigError


def test_the_result_comes_back_from_another_process():
    pid, value = in_child(lambda: (os.getpid(), {"delay": 1.5}))
    assert pid != os.getpid() and value == {"delay": 1.5}


def test_the_childs_error_is_raised_with_its_type_and_traceback():
    def bad() -> None:
        raise ConfigError("end=5 must be later than begin=10.")

    with pytest.raises(ConfigError, match="end=5") as caught:
        in_child(bad)
    assert any("in the child process" in note and "bad" in note for note in caught.value.__notes__)


def test_a_child_that_dies_is_named_not_hung_on():
    with pytest.raises(RuntimeError, match=f"killed by signal {int(signal.SIGKILL)}"):
        in_child(lambda: os.kill(os.getpid(), signal.SIGKILL))
