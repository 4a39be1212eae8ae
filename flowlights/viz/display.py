"""A display for sumo-gui: the user's $DISPLAY, or a virtual one (Xvfb) started and stopped here."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import Iterator

from flowlights.errors import ConfigError
from flowlights.sim.processes import stop_process


def _free_display() -> int:
    for number in range(90, 190):
        if not Path(f"/tmp/.X{number}-lock").exists() and not Path(f"/tmp/.X11-unix/X{number}").exists():
            return number
    raise ConfigError("no free X display number between :90 and :189 for Xvfb.")


@contextlib.contextmanager
def display(size: tuple[int, int] = (1280, 1024)) -> Iterator[str]:
    """Yield a DISPLAY value; start Xvfb when none is set and stop it afterwards."""
    if os.environ.get("DISPLAY"):
        yield os.environ["DISPLAY"]
        return
    xvfb = shutil.which("Xvfb")
    if xvfb is None:
        raise ConfigError(
            "sumo-gui needs a display: none is set ($DISPLAY is empty) and Xvfb is not installed. "
            "Install it (Debian/Ubuntu: apt-get install xvfb) or run with a display."
        )
    number = _free_display()
    process = subprocess.Popen(
        [xvfb, f":{number}", "-screen", "0", f"{size[0]}x{size[1]}x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):  # wait for the X socket
            if Path(f"/tmp/.X11-unix/X{number}").exists() or process.poll() is not None:
                break
            time.sleep(0.05)
        if process.poll() is not None:
            raise ConfigError(f"Xvfb failed to start on :{number} (exit code {process.returncode}).")
        os.environ["DISPLAY"] = f":{number}"
        yield f":{number}"
    finally:
        os.environ.pop("DISPLAY", None)
        stop_process(process)
