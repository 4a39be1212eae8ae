"""Where a random-action episode's time goes: cProfile of one episode (after a warm-up one).

    flowlights benchmark profile ../shared/scenarios/resco/grid4x4/grid4x4.sumocfg
    flowlights benchmark profile grid4x4 --all-red 2 --top 30

Prints the functions with the most own time; SUMO's step is ``libsumo._libsumo.simulation_step``.
(cProfile adds its own cost to every Python call, so the Python share reads high; the
benchmarks' figures come without it.)
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
from typing import Optional, Sequence

from flowlights.benchmarks.timing import time_env_episode
from flowlights.envs.factory import make_env
from flowlights.networks.network_file import scenario_keywords
from flowlights.params.options import add_sim_options


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("scenario", help="bundled name or .sumocfg")
    parser.add_argument("--all-red", type=float, default=0.0)
    add_sim_options(parser, "backend")
    parser.add_argument("--top", type=int, default=20)
    args = parser.parse_args(argv)
    env = make_env(all_red=args.all_red, backend=args.backend, **scenario_keywords(args.scenario))
    try:
        time_env_episode(env, seed=0)
        profile = cProfile.Profile()
        profile.enable()
        timing = time_env_episode(env, seed=1)
        profile.disable()
    finally:
        env.close()
    print(
        f"{timing.decisions} decisions of {timing.lights} lights: {timing.wall:.2f} s, of which SUMO's step "
        f"{timing.sumo_step:.2f} s and reset {timing.reset:.2f} s (profiled)"
    )
    pstats.Stats(profile, stream=sys.stdout).sort_stats("tottime").print_stats(args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
