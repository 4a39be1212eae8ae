"""The date and machine line every generated results page carries: figures measured on one machine are
read beside that machine (a 2-core box and a workstation give different wall times)."""

from __future__ import annotations

import importlib.metadata
import os
import platform
import time
from pathlib import Path


def _cpu_model() -> str:
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def _memory_gib() -> str:
    meminfo = Path("/proc/meminfo")
    if meminfo.is_file():
        for line in meminfo.read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f", {int(line.split()[1]) / 2**20:.0f} GiB"
    return ""


def _version(distribution: str) -> str:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def machine() -> str:
    """CPU, cores, memory, Python, SUMO and Ray versions of this machine, in one line."""
    return (
        f"{_cpu_model()} ({os.cpu_count()} cores{_memory_gib()}), Python {platform.python_version()}, "
        f"SUMO {_version('eclipse-sumo')}, Ray {_version('ray')}"
    )


def stamp() -> str:
    """``Date: YYYY-MM-DD; machine: ...``: the last line of a generated page or section."""
    return f"Date: {time.strftime('%Y-%m-%d')}; machine: {machine()}."
