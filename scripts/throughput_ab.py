"""Does the faster training set-up learn as well? PPO on RESCO grid4x4 with the issue's set-up (sampling in
the driver, minibatch 300: 188 env steps/s) and the fast one (2 env runners, minibatch 1800: 349 env steps/s,
docs/performance.md), the same wall-clock budget and training seeds; greedy policies on the same held-out seeds.

    python scripts/throughput_ab.py --minutes 20 --seeds 0 1

Resumable (finished runs under --out are reused). Writes the tables as the section "throughput-ab" of
docs/performance.md: held-out delays per training seed and their mean, and the training curves at equal env
steps (does the larger minibatch learn less per step? does the speed make up for it?).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from flowlights.evaluation.learning_report import marked, put_section
from flowlights.evaluation.variant_comparison import Variant, curves_table, held_out_table, run_variants
from flowlights.training.experiment import load_experiment

SETUPS = {"0 runners, minibatch 300": (0, 300), "2 runners, minibatch 1800": (2, 1800)}


def variant(config: str, name: str, runners: int, minibatch: int) -> Variant:
    experiment = load_experiment(config)
    experiment.flow_params["exp_tag"] = f"{experiment.exp_tag}_ab_runners{runners}_mb{minibatch}"
    experiment.training["minibatch_size"] = minibatch
    return Variant(name, experiment, num_env_runners=runners)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", default="exp_configs/resco_grid4x4.py")
    parser.add_argument("--minutes", type=float, default=20.0, help="training budget of each set-up")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--episodes", type=int, default=5)
    parser.add_argument("--eval-seed", type=int, default=100)
    parser.add_argument("--out", type=Path, default=Path("results/throughput_ab"))
    parser.add_argument("--doc", type=Path, default=Path("docs/performance.md"))
    args = parser.parse_args()
    variants = [variant(args.config, name, runners, minibatch) for name, (runners, minibatch) in SETUPS.items()]
    runs = run_variants(variants, args.seeds, args.minutes, args.out, args.episodes, args.eval_seed,
                        log=lambda message: print(message, file=sys.stderr, flush=True))
    table, curves = held_out_table(runs), curves_table(runs)
    protocol = variants[0].experiment.protocol
    body = (f"### Does the fast set-up learn as well?\n\n`python scripts/throughput_ab.py {' '.join(sys.argv[1:])}` — "
            f"{args.config}, protocol {protocol}, PPO, {args.minutes:g} min of training per set-up and training seed "
            f"({', '.join(map(str, args.seeds))}), nothing else running; greedy policy on held-out seeds "
            f"{args.eval_seed}..{args.eval_seed + args.episodes - 1}: per training seed the mean ± std over the "
            "evaluation seeds, then the mean ± std over training seeds.\n\n" + table
            + "\n\nPer env step: the training episodes' mean delay (s) at equal env steps, mean ± std over the "
            "training seeds ('–': not reached in the budget):\n\n" + curves)
    print(table + "\n\n" + curves)
    put_section(args.doc, "throughput-ab", marked("performance", "throughput-ab", body), kind="performance")
    print(f"wrote {args.doc}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
