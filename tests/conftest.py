"""Shared fixtures: RESCO scenarios (skipped when ../shared is absent), SUMO's own record of the
light states it ran, and a check for leftover SUMO processes."""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path

import pytest

from flowlights.networks import GridNetwork
from flowlights.networks.network_file import resco_dir
from flowlights.networks.scenario_writer import write_scenario
from flowlights.signals.phases import GREEN, clearance_state, green_phases, yellow_state
from flowlights.signals.timing import to_steps

REPO = Path(__file__).resolve().parents[1]
RESCO = resco_dir()
# A tiny experiment: the bundled 2x2 grid for 200 s, small PPO batches (training tests)
TINY = """
exp_tag: tiny
env_name: TrafficLightEnv
network: NetworkFile
simulator: libsumo
sim: {end: 200}
env: {delta_time: 5, reward: queue}
net: {scenario: grid2x2}
policies: POLICIES
training: {train_batch_size_per_learner: 80, minibatch_size: 40, num_epochs: 1, fcnet_hiddens: [16]}
"""

RESCO_NAMES = [
    "grid4x4",
    "arterial4x4",
    "cologne1",
    "cologne3",
    "cologne8",
    "ingolstadt1",
    "ingolstadt7",
    "ingolstadt21",
]


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


def run_and_check(tmp_path: Path, **kwargs):
    """One episode of random actions on ``parallel_env(**kwargs)``; every light's recorded SUMO states pass
    check_light. Returns the (closed) env."""
    import flowlights

    args, out = tls_recorder(tmp_path)
    env = flowlights.parallel_env(sumo_args=args, **kwargs)
    try:
        run_random_episode(env, seed=1)
    finally:
        env.close()
    records = read_tls_states(out)
    for tls in env.possible_agents:
        check_light(tls, records[tls], env.topology.lights[tls].states, env)
    return env


def allowed_states(program: list[str]) -> set[str]:
    greens = green_phases(program)
    allowed = set(greens)
    for a in greens:
        for b in greens:
            if a != b:
                allowed |= {yellow_state(a, b), clearance_state(yellow_state(a, b), b)}
    return allowed


def check_light(tls: str, records: list[tuple[float, str]], program: list[str], env) -> None:
    p, step = env.env_params, env.sim_params.step_length
    yellow, all_red = to_steps(p.yellow, step), to_steps(p.all_red, step)
    min_green = to_steps(p.min_green, step)
    max_green = None if p.max_green is None else to_steps(p.max_green, step)
    greens = set(green_phases(program))
    allowed = allowed_states(program)
    states = [s for _, s in records]
    assert len(states) > 10, f"{tls}: too few records"
    for t, (before, after) in enumerate(zip(states, states[1:])):
        assert after in allowed, f"{tls} at record {t + 1}: state {after!r} is not a derived green or transition"
        for link, (a, b) in enumerate(zip(before, after)):
            if a in GREEN and b not in GREEN:
                assert b == "y", f"{tls} link {link}: green -> {b!r} without yellow at record {t + 1}"
            if a == "y" and b != "y" and all_red > 0:
                assert b == "r", f"{tls} link {link}: yellow -> {b!r}, all-red expected at record {t + 1}"
    # run lengths: yellow and all-red last their time; a green lasts min..max green
    runs: list[list] = []
    for s in states:
        if runs and runs[-1][0] == s:
            runs[-1][1] += 1
        else:
            runs.append([s, 1])
    for i, (s, n) in enumerate(runs[1:-1], start=1):  # the first/last runs are cut by the episode
        if s in greens:
            assert n >= min_green, f"{tls}: green {s!r} lasted {n} steps < min green {min_green}"
            if max_green is not None:
                assert n <= max_green, f"{tls}: green {s!r} lasted {n} steps > max green {max_green}"
        elif "y" in s:
            assert n == yellow, f"{tls}: yellow {s!r} lasted {n} steps, expected {yellow}"
        elif runs[i - 1][0] and "y" in runs[i - 1][0]:
            assert n == all_red, f"{tls}: all-red {s!r} lasted {n} steps, expected {all_red}"


def ray_processes() -> list[str]:
    """Live Ray processes as 'pid ppid name' (zombies, already dead, do not count)."""
    out = subprocess.run(["ps", "-eo", "pid,ppid,stat,comm"], capture_output=True, text=True).stdout.splitlines()
    rows = [line.split(None, 3) for line in out[1:]]
    return [
        f"{pid} {ppid} {name}"
        for pid, ppid, stat, name in rows
        if not stat.startswith("Z") and any(n in name for n in ("raylet", "gcs_server", "ray::"))
    ]


def flowlights(*args: str, timeout: int = 600) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "flowlights.cli", *args], capture_output=True, text=True, timeout=timeout
    )


def pids_whose_cmdline(matches) -> list[int]:
    """PIDs of live processes whose command line (arguments joined by spaces) satisfies ``matches``."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="ignore")
            except OSError:
                continue
            if matches(cmdline):
                pids.append(int(entry.name))
    return pids


@pytest.fixture(scope="session")
def walking_grid(tmp_path_factory):
    """A 2x2 grid with sidewalks, signalised crossings, cars and pedestrians (900 s): where every registered
    observation and reward applies (with detectors='generate')."""
    from flowlights.networks.grid import write_grid_scenario

    return write_grid_scenario(
        tmp_path_factory.mktemp("walk") / "walkgrid", 2, 2, vehs_per_hour=300, end=900, pedestrians_per_hour=300
    )


@pytest.fixture(scope="session")
def short_link_grid(tmp_path_factory):
    """2x2 grid with 40 m blocks (25.6 m lanes between the lights, three vehicles fill one) and heavy
    demand: exits between the lights fill up, as on RESCO's ingolstadt21."""
    folder = tmp_path_factory.mktemp("short")
    grid = GridNetwork(rows=2, cols=2, length=40)
    net = grid.build(folder / "net")
    demand = grid.demand(net, vehs_per_hour=500, straight_share=0.7, end=900)
    return write_scenario(folder / "scn", "short", net, demand, end=900)


@pytest.fixture
def xvfb_installed() -> None:
    """Xvfb for the sumo-gui tests: skipped without it on a developer's machine, failed under CI."""
    from needs import need_programs

    need_programs("Xvfb", package="xvfb")
