"""Timing one random-action episode of a flowlights env, and plain ``sumo`` on the same scenario."""

from __future__ import annotations

import resource
import subprocess
import time
from dataclasses import dataclass
from typing import Any, Optional

from flowlights.common.progress import Progress
from flowlights.sim.sumo_home import sumo_binary


@dataclass
class EpisodeTiming:
    """Wall seconds of reset + a full episode, of which ``reset`` (SUMO's start or reload) and
    ``sumo_step`` inside SUMO's step calls after it."""

    wall: float
    reset: float
    sumo_step: float
    decisions: int
    lights: int

    @property
    def overhead(self) -> float:
        """Wall seconds of the decisions outside SUMO's step: flowlights' Python and the data transfer."""
        return self.wall - self.reset - self.sumo_step


def time_env_episode(env: Any, seed: int, progress: Optional[Progress] = None) -> EpisodeTiming:
    """Reset ``env`` with ``seed`` and run it to the end with random actions (seeded too)."""
    start = time.perf_counter()
    env.reset(seed=seed)
    reset = time.perf_counter() - start
    stepped_in_reset = env.sim.step_seconds  # warm-up
    for k, agent in enumerate(env.possible_agents):
        env.action_space(agent).seed(seed * 100_003 + k)
    decisions = 0
    while env.agents:
        env.step({a: env.action_space(a).sample() for a in env.agents})
        decisions += 1
        if progress is not None:
            progress.update(env.sim_seconds, f"{decisions} decisions")
    wall = time.perf_counter() - start
    return EpisodeTiming(wall, reset, env.sim.step_seconds - stepped_in_reset, decisions, len(env.possible_agents))


def plain_sumo_command(
    scenario: Any, begin: float, end: float, time_to_teleport: Optional[float], seed: int = 0
) -> list[str]:
    """The sumo binary on the scenario with its own programs and the env's time window and teleport time
    (the scenario's .sumocfg, when it has one, as the env runs it).

    It also collects trip statistics (``--device.tripinfo.probability 1``) as the env does for its metrics."""
    source = (
        ["-c", str(scenario.sumocfg)] if getattr(scenario, "sumocfg", None) else ["--net-file", str(scenario.net_file)]
    )
    routes = ["--route-files", ",".join(map(str, scenario.route_files))] if scenario.route_files else []
    teleport = ["--time-to-teleport", f"{time_to_teleport:g}"] if time_to_teleport is not None else []
    return [
        sumo_binary("sumo"),
        *source,
        *routes,
        "--begin",
        f"{begin:g}",
        "--end",
        f"{end:g}",
        *teleport,
        "--no-step-log",
        "true",
        "--no-warnings",
        "true",
        "--device.tripinfo.probability",
        "1",
        "--seed",
        str(seed),
    ]


def time_command(cmd: list[str]) -> float:
    """Wall seconds of a command, start to exit (its output discarded)."""
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def peak_rss_mib() -> float:
    """Peak resident memory of this process so far (with libsumo, SUMO's included), in MiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
