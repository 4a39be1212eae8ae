"""Run a function in a child process forked for it and return its result, or raise its exception.

Evaluation runs each libsumo episode this way: libsumo closed and started again in one process carries state from
one simulation to the next (on RESCO cologne1 the same seed gave different delays as a process's first or a
later simulation; SUMO's own binary repeats itself exactly). A forked child starts from its parent's memory,
so the episode is as fresh as the parent: a process that has not run libsumo itself (the CLI, evaluation workers).
"""

from __future__ import annotations

import os
import pickle
import sys
import traceback
from typing import Callable, TypeVar

T = TypeVar("T")

CAN_FORK = hasattr(os, "fork")


def _child(fn: Callable[[], T], write: int) -> None:
    """In the child: run ``fn``, send ``(ok, value)`` down the pipe, and leave without running the parent's atexit."""
    code = 0
    try:
        payload = pickle.dumps((True, fn()))
    except BaseException as exc:  # noqa: BLE001 - every failure goes back to the parent, which raises it
        code = 1
        exc.add_note(f"(in the child process {os.getpid()}):\n{''.join(traceback.format_exception(exc)).rstrip()}")
        try:
            payload = pickle.dumps((False, exc))
        except Exception:  # an exception that does not pickle goes back as its text
            payload = pickle.dumps((False, RuntimeError("".join(traceback.format_exception(exc)))))
    try:
        with os.fdopen(write, "wb") as out:
            out.write(payload)
        sys.stdout.flush()
        sys.stderr.flush()
    finally:
        os._exit(code)


def in_child(fn: Callable[[], T]) -> T:
    """``fn()`` run in a forked child; where the platform cannot fork (Windows), run here."""
    if not CAN_FORK:
        return fn()
    read, write = os.pipe()
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child leaves through os._exit
        os.close(read)
        _child(fn, write)
    os.close(write)
    with os.fdopen(read, "rb") as inp:
        data = inp.read()
    _, status = os.waitpid(pid, 0)
    if not data:
        raise RuntimeError(
            f"the child process {pid} died before returning a result ({_ended(status)}); "
            "a crash in SUMO or the controller, or out of memory."
        )
    ok, value = pickle.loads(data)
    if not ok:
        raise value
    return value


def _ended(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"killed by signal {os.WTERMSIG(status)}"
    return f"exit status {os.WEXITSTATUS(status)}"
