"""What a test needs from the machine: a missing program or package skips the test on a developer's
machine, with the command that installs it, and fails it under CI (``CI=true``), where .ci/run and the
test extra install everything — so CI never passes by skipping. (RESCO's scenarios, which are data kept
outside the repository, are the one exception: tests/conftest.py skips without them.)"""

from __future__ import annotations

import importlib
import os
import shutil
from typing import Any

import pytest


def missing(what: str, fix: str) -> None:
    """Skip for want of ``what`` — except under CI, where it must be there: fail."""
    if os.environ.get("CI"):
        pytest.fail(f"{what} missing under CI: {fix}", pytrace=False)
    pytest.skip(f"{what} not installed ({fix})", allow_module_level=True)


def need_programs(*names: str, package: str) -> None:
    """Debian programs (.ci/run installs ``package``)."""
    absent = [n for n in names if shutil.which(n) is None]
    if absent:
        missing(", ".join(absent), f"apt-get install {package}")


def need_module(name: str, extra: str) -> Any:
    """A Python module from one of the package's extras; the module."""
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        missing(f"Python module {name} ({exc})", f'pip install -e ".[{extra}]"')
