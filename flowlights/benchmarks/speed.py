"""Speed benchmark: simulated seconds per wall second of a whole random-action episode, beside plain
``sumo`` running the same scenario with its own programs (and, when asked, sumo-rl in its own venv),
alternately in one run so that machine noise hits all alike. Medians and ratios.

This is ``flowlights bench`` (and ``scripts/bench_env.py``).
"""

from __future__ import annotations

import statistics
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

from flowlights.benchmarks.sumo_rl_reference import time_sumo_rl_episode
from flowlights.benchmarks.timing import plain_sumo_command, time_command, time_env_episode
from flowlights.common.markdown import markdown_table
from flowlights.envs.factory import make_env
from flowlights.networks.network_file import resolve_scenario


@dataclass
class SpeedResult:
    """Medians over the repeats; times are wall seconds of one episode."""

    scenario: str
    backend: str
    lights: int
    decisions: int
    span: float  # simulated seconds of the episode
    env_wall: float  # flowlights: reset + episode
    env_reset: float  # ... of which SUMO's start or reload
    env_sumo_step: float  # ... of which inside SUMO's step calls
    plain_wall: float  # plain sumo, start to exit
    sumo_rl_wall: Optional[float] = None

    @property
    def env_speed(self) -> float:
        return self.span / self.env_wall

    @property
    def plain_speed(self) -> float:
        return self.span / self.plain_wall

    @property
    def ratio(self) -> float:
        """flowlights' speed over plain sumo's (the target is >= 0.8 on RESCO grid4x4)."""
        return self.plain_wall / self.env_wall

    @property
    def ceiling(self) -> float:
        """The ratio flowlights would reach with zero overhead: plain sumo's time over the time SUMO's
        own step took inside the env (random switching makes SUMO's work heavier than its program)."""
        return self.plain_wall / (self.env_reset + self.env_sumo_step)

    @property
    def overhead_ms(self) -> float:
        """Milliseconds per decision outside SUMO's step (all lights together)."""
        return 1000 * (self.env_wall - self.env_reset - self.env_sumo_step) / self.decisions

    @property
    def vs_sumo_rl(self) -> Optional[float]:
        return None if self.sumo_rl_wall is None else self.sumo_rl_wall / self.env_wall


def bench_scenario(
    name: str, repeats: int = 3, sumo_rl_python: Optional[Path] = None, progress: bool = True, **env_kwargs: Any
) -> SpeedResult:
    """Alternate plain sumo, flowlights (and sumo-rl) ``repeats`` times on one scenario."""
    env = make_env(**env_kwargs)
    scenario = resolve_scenario(**{k: env_kwargs[k] for k in ("scenario", "sumocfg") if k in env_kwargs})
    begin, end, teleport = env.sim.begin, env.sim.end, env.sim_params.time_to_teleport
    env_runs, plain, sumo_rl = [], [], []
    try:
        for r in range(repeats):
            plain.append(time_command(plain_sumo_command(scenario, begin, end, teleport, seed=r)))
            env_runs.append(time_env_episode(env, seed=r))
            if sumo_rl_python is not None:
                sumo_rl.append(
                    time_sumo_rl_episode(
                        sumo_rl_python, scenario, begin, end, env.env_params, 300.0 if teleport is None else teleport, r
                    )[0]
                )  # 300: SUMO's default
            if progress:
                print(
                    f"  {name} run {r + 1}/{repeats}: flowlights {env_runs[-1].wall:.2f} s, plain sumo {plain[-1]:.2f} s"
                    + (f", sumo-rl {sumo_rl[-1]:.2f} s" if sumo_rl else ""),
                    file=sys.stderr,
                )
    finally:
        env.close()
    return SpeedResult(
        scenario=name,
        backend=env.sim_params.backend,
        lights=len(env.possible_agents),
        decisions=env_runs[0].decisions,
        span=end - begin,
        env_wall=statistics.median(t.wall for t in env_runs),
        env_reset=statistics.median(t.reset for t in env_runs),
        env_sumo_step=statistics.median(t.sumo_step for t in env_runs),
        plain_wall=statistics.median(plain),
        sumo_rl_wall=statistics.median(sumo_rl) if sumo_rl else None,
    )


def format_results(results: list[SpeedResult]) -> str:
    """A Markdown table: speeds in simulated s per wall s, ratios, overhead per decision."""
    header = [
        "scenario",
        "backend",
        "lights",
        "flowlights sim-s/s",
        "plain sumo sim-s/s",
        "ratio to sumo",
        "ceiling",
        "overhead ms/decision",
        "sumo-rl sim-s/s",
        "flowlights / sumo-rl",
    ]
    rows = [
        [
            r.scenario,
            r.backend,
            r.lights,
            f"{r.env_speed:.0f}",
            f"{r.plain_speed:.0f}",
            f"{r.ratio:.2f}",
            f"{r.ceiling:.2f}",
            f"{r.overhead_ms:.2f}",
            "-" if r.sumo_rl_wall is None else f"{r.span / r.sumo_rl_wall:.0f}",
            "-" if r.vs_sumo_rl is None else f"{r.vs_sumo_rl:.2f}",
        ]
        for r in results
    ]
    return markdown_table(header, rows)
