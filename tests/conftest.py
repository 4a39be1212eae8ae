"""Shared fixtures: RESCO scenarios (skipped when ../shared is absent), SUMO's own record of the
light states it ran, and a check for leftover SUMO processes."""
from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path

import pytest

from flowlights.networks.network_file import resco_dir

REPO = Path(__file__).resolve().parents[1]
RESCO = resco_dir()
RESCO_NAMES = ["grid4x4", "arterial4x4", "cologne1", "cologne3", "cologne8", "ingolstadt1", "ingolstadt7", "ingolstadt21"]


def resco_cfg(name: str) -> Path:
    cfg = RESCO / name / f"{name}.sumocfg"
    if not cfg.is_file():
        pytest.skip(f"RESCO scenario {name} not found at {cfg} (set FLOWLIGHTS_RESCO to its folder)")
    return cfg


def tls_recorder(folder: Path) -> tuple[list[str], Path]:
    """sumo_args that make SUMO itself write every light's state at every step, and that file."""
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / "tls_states.xml"
    add = folder / "record.add.xml"
    add.write_text(f'<additional>\n  <timedEvent type="SaveTLSStates" dest="{out}"/>\n</additional>\n')
    return ["--additional-files", str(add)], out


def read_tls_states(path: Path) -> dict[str, list[tuple[float, str]]]:
    """{light id: [(time, state), ...]} from a SaveTLSStates file."""
    states: dict[str, list[tuple[float, str]]] = defaultdict(list)
    for node in ET.parse(path).getroot().iter("tlsState"):
        states[node.get("id")].append((float(node.get("time")), node.get("state")))
    return states


def sumo_children() -> list[int]:
    """PIDs of SUMO processes whose parent is this test process."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        comm = stat[stat.index("(") + 1 : stat.rindex(")")]
        ppid = int(stat[stat.rindex(")") + 2 :].split()[1])
        state = stat[stat.rindex(")") + 2 :].split()[0]
        if ppid == os.getpid() and comm.startswith("sumo") and state != "Z":
            found.append(int(entry.name))
    return found


def run_random_episode(env, seed: int = 0, action_seed: int = 0):
    """Run one episode with seeded random actions; return the number of decisions."""
    env.reset(seed=seed)
    for i, agent in enumerate(env.possible_agents):
        env.action_space(agent).seed(action_seed + i)
    decisions = 0
    while env.agents:
        env.step({a: env.action_space(a).sample() for a in env.agents})
        decisions += 1
    return decisions
