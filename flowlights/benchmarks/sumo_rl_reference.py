"""sumo-rl as a speed reference: installed into its own throwaway venv (never a flowlights dependency),
run there on the same scenario with the same decision interval, yellow and green bounds."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path
from typing import Any

from flowlights.common.cache import cache_dir
from flowlights.errors import ConfigError

SUMO_RL_VERSION = "1.4.5"
RUNNER = Path(__file__).with_name("sumo_rl_episode.py")


def default_venv() -> Path:
    return cache_dir() / f"sumo-rl-{SUMO_RL_VERSION}-venv"


def sumo_rl_python(venv: Path) -> Path:
    """The venv's Python with sumo-rl and the same SUMO release as flowlights'; created when missing."""
    python = venv / "bin" / "python"
    probe = f"import importlib.metadata as m; assert m.version('sumo-rl') == {SUMO_RL_VERSION!r}; import libsumo"
    if python.exists() and subprocess.run([str(python), "-c", probe], capture_output=True).returncode == 0:
        return python
    print(f"installing sumo-rl {SUMO_RL_VERSION} into {venv} (throwaway venv) ...", file=sys.stderr)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    sumo = version("eclipse-sumo")
    packages = [
        f"sumo-rl=={SUMO_RL_VERSION}",
        "pettingzoo==1.24.3",  # sumo-rl 1.4.5 needs agent_selector (gone in 1.25)
        *(f"{p}=={sumo}" for p in ("eclipse-sumo", "libsumo", "traci", "sumolib")),
    ]
    done = subprocess.run([str(python), "-m", "pip", "install", "-q", *packages], capture_output=True, text=True)
    if done.returncode != 0:
        raise ConfigError(f"installing sumo-rl into {venv} failed: {done.stderr[-2000:]}")
    return python


def time_sumo_rl_episode(
    python: Path, scenario: Any, begin: float, end: float, env_params: Any, time_to_teleport: float, seed: int
) -> tuple[float, int]:
    """Wall seconds of one sumo-rl episode (reset + random actions, timed inside its process) and its decisions."""
    p = env_params
    cmd = [
        str(python),
        "-I",
        str(RUNNER),
        "--net",
        str(scenario.net_file),
        "--route",
        ",".join(map(str, scenario.route_files)),
        "--begin",
        f"{begin:.0f}",
        "--seconds",
        f"{end - begin:.0f}",
        "--delta",
        f"{p.delta_time:.0f}",
        "--yellow",
        f"{p.yellow:.0f}",
        "--min-green",
        f"{p.min_green:.0f}",
        "--max-green",
        f"{(p.max_green or 10**6):.0f}",
        "--time-to-teleport",
        f"{time_to_teleport:.0f}",
        "--seed",
        str(seed),
    ]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        raise ConfigError(f"sumo-rl failed on {scenario.name}: {done.stderr[-2000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return result["wall"], result["decisions"]
