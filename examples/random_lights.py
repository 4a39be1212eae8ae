"""The environment in ten lines: random actions on the bundled 2x2 grid, then the episode's metrics.

python examples/random_lights.py [--end 600]
"""

import argparse

import flowlights

parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
parser.add_argument("--end", type=float, default=600.0, help="simulated seconds (default 600)")
args = parser.parse_args()

env = flowlights.parallel_env(scenario="grid2x2", end=args.end)
obs, infos = env.reset(seed=0)
while env.agents:
    actions = {a: env.action_space(a).sample() for a in env.agents}
    obs, rewards, terminations, truncations, infos = env.step(actions)
print(env.metrics())  # mean_travel_time, mean_delay, mean_waiting_time, arrived, in_network, teleports
env.close()
