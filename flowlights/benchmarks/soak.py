"""Soak test: N episodes back to back on one env, and a training run of N iterations, with the
process's RSS, open files, threads and child processes printed at start and end.

    flowlights benchmark soak [--episodes 200] [--iterations 50] [--scenario grid2x2] [--end 3600]

Passes (exit 0) when nothing leaks: RSS grows less than 5% and open files, threads and child
processes do not grow steadily (in both halves of the run, after one warm-up round that makes the one-off
allocations).
"""

from __future__ import annotations

import argparse
import sys
from typing import Optional, Sequence

import flowlights
from flowlights.benchmarks.soak_rounds import env_round, format_results, soak
from flowlights.params.options import add_sim_options
from flowlights.training.experiment import experiment_from_dict
from flowlights.training.train import TrainSettings, algorithm


def training_soak(iterations: int) -> object:
    experiment = experiment_from_dict(
        {
            "exp_tag": "soak",
            "env_name": "TrafficLightEnv",
            "network": "NetworkFile",
            "simulator": "libsumo",
            "sim": {"end": 600},
            "env": {"reward": "queue"},
            "net": {"scenario": "grid2x2"},
            "policies": "shared",
            "training": {
                "train_batch_size_per_learner": 240,
                "minibatch_size": 120,
                "num_epochs": 1,
                "fcnet_hiddens": [32],
            },
        },
        "soak",
    )
    with algorithm(experiment, TrainSettings(iterations=iterations, num_env_runners=0)) as algo:
        return soak(f"training ({iterations} PPO iterations, driver process)", iterations, lambda i: algo.train())


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--episodes", type=int, default=200, help="env episodes (0: skip the env soak)")
    parser.add_argument("--iterations", type=int, default=50, help="training iterations (0: skip the training soak)")
    parser.add_argument("--scenario", default="grid2x2")
    add_sim_options(parser, "end", "backend", end=3600.0)
    args = parser.parse_args(argv)
    results = []
    if args.episodes:
        env = flowlights.parallel_env(scenario=args.scenario, end=args.end, backend=args.backend)
        try:
            results.append(
                soak(
                    f"env ({args.episodes} episodes of {args.scenario}, {args.backend})", args.episodes, env_round(env)
                )
            )
        finally:
            env.close()
    if args.iterations:
        results.append(training_soak(args.iterations))
    print(format_results(results))
    leaks = [leak for r in results for leak in r.leaks]
    return 1 if leaks else 0


if __name__ == "__main__":
    sys.exit(main())
