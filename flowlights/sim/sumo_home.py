"""Find SUMO's binaries and tools: $SUMO_HOME if set, else the PyPI ``eclipse-sumo`` package."""

from __future__ import annotations

import os
from pathlib import Path

from flowlights.errors import ConfigError

try:
    import sumo  # the eclipse-sumo wheel
except ImportError:  # pragma: no cover - a broken install, or SUMO from elsewhere with SUMO_HOME set
    sumo = None


def sumo_home() -> Path:
    """SUMO's installation folder; sets ``SUMO_HOME`` for SUMO's own Python tools if unset."""
    env = os.environ.get("SUMO_HOME")
    if env and (Path(env) / "bin").is_dir():
        return Path(env)
    if sumo is None:  # pragma: no cover - a broken install
        raise ConfigError(
            "SUMO was not found: SUMO_HOME is not set and the 'eclipse-sumo' package is not "
            "installed. Fix: pip install 'eclipse-sumo==1.28.*' (or set SUMO_HOME)."
        )
    home = Path(sumo.SUMO_HOME)
    os.environ.setdefault("SUMO_HOME", str(home))
    return home


def sumo_binary(name: str = "sumo") -> str:
    """Full path of a SUMO program such as ``sumo``, ``sumo-gui``, ``netgenerate``."""
    path = sumo_home() / "bin" / name
    if not path.exists():
        raise ConfigError(f"SUMO program {name!r} not found in {path.parent}; reinstall eclipse-sumo.")
    return str(path)


def sumo_tool(relative: str) -> str:
    """Full path of a script in SUMO's tools folder, e.g. ``randomTrips.py``."""
    path = sumo_home() / "tools" / relative
    if not path.exists():
        raise ConfigError(f"SUMO tool {relative!r} not found in {path.parent}; reinstall eclipse-sumo.")
    return str(path)
