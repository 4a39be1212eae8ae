"""Scale benchmark: generated NxN grids (the same flow on every entry road, so the load grows with
the number of lights), one random-action episode each in a fresh process, beside plain sumo.

Reports the per-decision overhead outside SUMO's step per light (flat when the overhead grows
linearly with the number of lights) and the episode process's peak memory (SUMO included:
libsumo runs inside it). This is ``flowlights bench-scale``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from flowlights.benchmarks.timing import EpisodeTiming, peak_rss_mib, plain_sumo_command, time_command, time_env_episode
from flowlights.common.cache import cache_dir
from flowlights.common.markdown import markdown_table
from flowlights.common.progress import Progress
from flowlights.envs.factory import make_env
from flowlights.errors import ConfigError
from flowlights.networks.grid import write_grid_scenario
from flowlights.networks.network_file import resolve_scenario
from flowlights.params import SumoParams


@dataclass
class ScaleResult:
    size: int
    timing: EpisodeTiming
    plain_wall: float
    peak_mib: float
    vehicles_arrived: float
    span: float

    @property
    def overhead_us_per_light(self) -> float:
        """Microseconds outside SUMO's step per light and decision."""
        t = self.timing
        return 1e6 * t.overhead / (t.decisions * t.lights)


def grid_scenario(size: int, vehs_per_hour: float, end: float) -> Path:
    """The benchmark's NxN grid scenario (built once, then taken from the cache)."""
    folder = cache_dir() / "bench" / f"grid{size}x{size}-{vehs_per_hour:g}vph-{end:g}s"
    cfg = folder / f"{folder.name}.sumocfg"
    return cfg if cfg.is_file() else write_grid_scenario(folder, size, size, vehs_per_hour=vehs_per_hour, end=end)


def run_episode(cfg: Path, seed: int) -> dict:
    """One episode in THIS process (call it in a fresh one so that the peak memory is its own)."""
    env = make_env(sumocfg=str(cfg))
    try:
        with Progress(env.sim.end - env.sim.begin, f"  {len(env.possible_agents)} lights") as bar:
            timing = time_env_episode(env, seed, bar)
        arrived = env.metrics()["arrived"]
    finally:
        env.close()
    return {**timing.__dict__, "peak_mib": peak_rss_mib(), "arrived": arrived}


def bench_size(size: int, vehs_per_hour: float = 120.0, end: float = 3600.0, seed: int = 0) -> ScaleResult:
    cfg = grid_scenario(size, vehs_per_hour, end)
    done = subprocess.run(
        [sys.executable, "-m", "flowlights.benchmarks.scale", str(cfg), "--seed", str(seed)],
        stdout=subprocess.PIPE,
        text=True,
    )  # its progress bar and errors go to our stderr
    if done.returncode != 0:
        raise ConfigError(f"the {size}x{size} episode failed (exit {done.returncode}); its error is printed above.")
    row = json.loads(done.stdout.strip().splitlines()[-1])
    scenario = resolve_scenario(sumocfg=str(cfg))
    plain = time_command(plain_sumo_command(scenario, scenario.begin, end, SumoParams().time_to_teleport, seed))
    timing = EpisodeTiming(**{k: row[k] for k in ("wall", "reset", "sumo_step", "decisions", "lights")})
    return ScaleResult(size, timing, plain, row["peak_mib"], row["arrived"], end - scenario.begin)


def format_results(results: list[ScaleResult]) -> str:
    header = [
        "grid",
        "lights",
        "vehicles arrived",
        "flowlights sim-s/s",
        "plain sumo sim-s/s",
        "ratio to sumo",
        "overhead ms/decision",
        "overhead us/light/decision",
        "peak memory MiB",
    ]
    rows = [
        [
            f"{r.size}x{r.size}",
            r.timing.lights,
            f"{r.vehicles_arrived:.0f}",
            f"{r.span / r.timing.wall:.0f}",
            f"{r.span / r.plain_wall:.0f}",
            f"{r.plain_wall / r.timing.wall:.2f}",
            f"{1000 * r.timing.overhead / r.timing.decisions:.2f}",
            f"{r.overhead_us_per_light:.1f}",
            f"{r.peak_mib:.0f}",
        ]
        for r in results
    ]
    return markdown_table(header, rows)


if __name__ == "__main__":  # the fresh process of bench_size
    parser = argparse.ArgumentParser()
    parser.add_argument("cfg", type=Path)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    print(json.dumps(run_episode(args.cfg, args.seed)))
