"""Does the faster training set-up learn as well? PPO on RESCO grid4x4 with the earlier default set-up (sampling in
the driver, minibatch 300: 188 env steps/s) and the fast one (2 env runners, minibatch 1800: 349 env steps/s,
docs/results/throughput-ab.md), the same wall-clock budget and training seeds; greedy policies on the same held-out seeds.

    flowlights benchmark throughput-ab --minutes 20 --seeds 0 1

Resumable (finished runs under --out are reused). Writes the tables as the section "throughput-ab" of
docs/results/throughput-ab.md: held-out delays per training seed and their mean, and the training curves at equal env
steps (does the larger minibatch learn less per step? does the speed make up for it?).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Optional, Sequence

from flowlights.evaluation.variant_comparison import Variant, compare_and_write, comparison_arguments
from flowlights.training.experiment import load_experiment

SETUPS = {"0 runners, minibatch 300": (0, 300), "2 runners, minibatch 1800": (2, 1800)}


def variant(config: str, name: str, runners: int, minibatch: int) -> Variant:
    experiment = load_experiment(config)
    experiment.flow_params["exp_tag"] = f"{experiment.exp_tag}_ab_runners{runners}_mb{minibatch}"
    experiment.training["minibatch_size"] = minibatch
    return Variant(name, experiment, num_env_runners=runners)


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", default="exp_configs/resco_grid4x4.py")
    comparison_arguments(
        parser, minutes=20.0, seeds=(0, 1), out=Path("results/throughput_ab"), doc=Path("docs/results/throughput-ab.md")
    )
    args = parser.parse_args(argv)
    variants = [variant(args.config, name, runners, minibatch) for name, (runners, minibatch) in SETUPS.items()]
    print(
        compare_and_write(
            variants,
            args,
            "Does the fast set-up learn as well?",
            f"{args.config}, protocol {variants[0].experiment.protocol}, PPO, {args.minutes:g} min of training per set-up "
            "and training seed, nothing else running",
            kind="performance",
            tag="throughput-ab",
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
