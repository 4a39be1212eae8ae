"""One random-action episode of sumo-rl (run by the Python of sumo-rl's own venv, not flowlights').

Prints one JSON line: wall seconds of reset + episode, decisions, lights. Uses libsumo through
sumo-rl's LIBSUMO_AS_TRACI switch, with info collection off, sumo-rl's default observation and reward.
"""

import argparse
import json
import os
import time

import sumo  # eclipse-sumo: SUMO_HOME for sumo-rl, which refuses to import without it

os.environ.setdefault("SUMO_HOME", sumo.SUMO_HOME)
os.environ["LIBSUMO_AS_TRACI"] = "1"

import sumo_rl  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    for name in ("net", "route"):
        parser.add_argument(f"--{name}", required=True)
    for name in ("begin", "seconds", "delta", "yellow", "min-green", "max-green", "time-to-teleport", "seed"):
        parser.add_argument(f"--{name}", type=int, required=True)
    a = parser.parse_args()
    env = sumo_rl.parallel_env(
        net_file=a.net,
        route_file=a.route,
        begin_time=a.begin,
        num_seconds=a.seconds,
        delta_time=a.delta,
        yellow_time=a.yellow,
        min_green=a.min_green,
        max_green=a.max_green,
        time_to_teleport=a.time_to_teleport,
        sumo_seed=a.seed,
        sumo_warnings=False,
        add_system_info=False,
        add_per_agent_info=False,
        use_gui=False,
    )
    start = time.perf_counter()
    env.reset(seed=a.seed)
    for k, agent in enumerate(env.possible_agents):
        env.action_space(agent).seed(a.seed * 100_003 + k)
    decisions = 0
    while env.agents:
        env.step({agent: env.action_space(agent).sample() for agent in env.agents})
        decisions += 1
    wall = time.perf_counter() - start
    print(json.dumps({"wall": wall, "decisions": decisions, "lights": len(env.possible_agents)}))
    env.close()


if __name__ == "__main__":
    main()
