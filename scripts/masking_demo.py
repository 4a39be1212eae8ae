"""Does masking speed learning? Trainings with the same budget, seeds and settings — one policy shared by
lights of different shapes (padded observations and actions) — with and without action masks; both evaluated
greedily on the same held-out seeds.

    python scripts/masking_demo.py --scenario resco:cologne8 --minutes 12 --seeds 0 1 2

Without masks, the shared policy can ask for greens a light does not have (padded actions) or for a switch
during a transition or before min green: the env ignores those requests, and the policy has to learn that they
do nothing. With ``action_mask=True`` the masked module never picks them. The tables (held-out delays per
training seed and their mean; training curves at equal env steps) go to docs/results.md (section "masking").
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from flowlights.evaluation.learning_report import marked, put_section
from flowlights.evaluation.variant_comparison import Variant, curves_table, held_out_table, run_variants
from flowlights.training.experiment import experiment_from_dict


def experiment(scenario: str, masked: bool) -> object:
    return experiment_from_dict({
        "exp_tag": f"masking_{'on' if masked else 'off'}_{scenario.replace(':', '_')}", "env_name": "TrafficLightEnv",
        "network": "NetworkFile", "simulator": "libsumo", "sim": {"time_to_teleport": -1},
        "env": {"observation": ["phase", "min_green", "zone_approach", "zone_queue"], "reward": "zone_queue",
                "pad_observations": True, "action_mask": masked},
        "net": {"scenario": scenario}, "policies": "shared",
        "training": {"lr": 5e-4, "gamma": 0.95, "train_batch_size_per_learner": 2000, "minibatch_size": 1000,
                     "num_epochs": 5},
    }, "masking demo")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenario", default="resco:cologne8")
    parser.add_argument("--minutes", type=float, default=12.0, help="training budget of each variant")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2],
                        help="training seeds (each trains both variants; finished runs under --out are reused)")
    parser.add_argument("--episodes", type=int, default=5)
    parser.add_argument("--eval-seed", type=int, default=100)
    parser.add_argument("--out", type=Path, default=Path("results/masking"))
    parser.add_argument("--doc", type=Path, default=Path("docs/results.md"))
    args = parser.parse_args()
    variants = [Variant("no mask", experiment(args.scenario, False)), Variant("masked", experiment(args.scenario, True))]
    runs = run_variants(variants, args.seeds, args.minutes, args.out, args.episodes, args.eval_seed,
                        log=lambda message: print(message, file=sys.stderr, flush=True))
    table, curves = held_out_table(runs), curves_table(runs)
    body = (f"### Action masks in training\n\n`python scripts/masking_demo.py {' '.join(sys.argv[1:])}` — "
            f"{args.scenario}, protocol flowlights, one PPO policy shared by all lights (padded observations and actions; "
            "zone features, zone_queue reward), same budget and settings for both variants, 2 env runners, training "
            f"seeds {', '.join(map(str, args.seeds))}; greedy policy on held-out seeds {args.eval_seed}.."
            f"{args.eval_seed + args.episodes - 1}: per training seed the mean ± std over the evaluation seeds, then "
            "the mean ± std over training seeds of those means.\n\n" + table
            + "\n\nLearning speed: the training episodes' mean delay (s, progress.csv, linear between iterations) at "
            "equal env steps, mean ± std over the training seeds:\n\n" + curves)
    print(table + "\n\n" + curves)
    put_section(args.doc, "masking", marked("results", "masking", body), kind="results")
    print(f"wrote {args.doc}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
