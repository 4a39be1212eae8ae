"""Speed benchmark: simulated seconds per wall second of a whole random-action episode,
beside plain ``sumo`` running the same scenario with its own programs, alternately, in one run.

This is ``flowlights bench`` (and ``scripts/bench_env.py``). It prints medians and ratios.
"""
from __future__ import annotations

import statistics
import subprocess
import time
from dataclasses import dataclass
from typing import Any

from flowlights.envs.factory import make_env
from flowlights.networks.network_file import resolve_scenario
from flowlights.sim.sumo_home import sumo_binary


@dataclass
class BenchResult:
    scenario: str
    env_speed: float   # simulated s per wall s, flowlights
    sumo_speed: float  # simulated s per wall s, plain sumo
    decisions_per_s: float

    @property
    def ratio(self) -> float:
        return self.env_speed / self.sumo_speed


def time_plain_sumo(scenario: Any, begin: float, end: float, time_to_teleport: float) -> float:
    """Wall seconds of the sumo binary running the scenario (start to exit) with its own lights."""
    cmd = [sumo_binary("sumo"), "--net-file", str(scenario.net_file),
           "--route-files", ",".join(map(str, scenario.route_files)), "--begin", f"{begin:g}", "--end", f"{end:g}",
           "--time-to-teleport", f"{time_to_teleport:g}", "--no-step-log", "true", "--no-warnings", "true",
           "--device.tripinfo.probability", "1", "--seed", "0"]
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def time_env_episode(env: Any, seed: int) -> tuple[float, int]:
    """Wall seconds of reset + a full random-action episode, and the number of decisions."""
    start = time.perf_counter()
    env.reset(seed=seed)
    decisions = 0
    while env.agents:
        env.step({a: env.action_space(a).sample() for a in env.agents})
        decisions += 1
    return time.perf_counter() - start, decisions


def bench_scenario(name: str, repeats: int = 3, **env_kwargs: Any) -> BenchResult:
    env = make_env(**env_kwargs)
    scenario = resolve_scenario(**{k: env_kwargs[k] for k in ("scenario", "sumocfg") if k in env_kwargs})
    span = env.sim.end - env.sim.begin
    env_times, sumo_times, decisions = [], [], 0
    try:
        for r in range(repeats):  # alternate so that machine noise hits both alike
            sumo_times.append(time_plain_sumo(scenario, env.sim.begin, env.sim.end, env.sim_params.time_to_teleport))
            seconds, decisions = time_env_episode(env, seed=r)
            env_times.append(seconds)
    finally:
        env.close()
    env_s, sumo_s = statistics.median(env_times), statistics.median(sumo_times)
    return BenchResult(name, span / env_s, span / sumo_s, decisions * len(env.possible_agents) / env_s)


def format_results(results: list[BenchResult]) -> str:
    head = f"{'scenario':40s} {'flowlights sim-s/s':>18s} {'plain sumo sim-s/s':>18s} {'ratio':>6s} {'agent decisions/s':>17s}"
    lines = [head] + [
        f"{r.scenario:40s} {r.env_speed:18.0f} {r.sumo_speed:18.0f} {r.ratio:6.2f} {r.decisions_per_s:17.0f}" for r in results
    ]
    return "\n".join(lines)
