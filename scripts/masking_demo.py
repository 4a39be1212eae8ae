"""Does masking speed learning? Two trainings with the same budget, seed and settings — one policy shared by
lights of different shapes (padded observations and actions) — with and without action masks; both evaluated
greedily on the same held-out seeds.

    python scripts/masking_demo.py --scenario resco:cologne8 --minutes 12

Without masks, the shared policy can ask for greens a light does not have (padded actions) or for a switch
during a transition or before min green: the env ignores those requests, and the policy has to learn that they
do nothing. With ``action_mask=True`` the masked module never picks them. The table (delay, requests the rules
ignored) goes to docs/results.md (section "masking").
"""
from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

from flowlights.evaluation.evaluate import evaluate
from flowlights.evaluation.learning_report import marked, put_section
from flowlights.evaluation.learning_report import training_minutes
from flowlights.training.experiment import experiment_from_dict
from flowlights.training.train import TrainSettings, last_progress, train
from flowlights.training.trained_policy import TrainedPolicy


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
    parser.add_argument("--seed", type=int, default=0, help="training seed (the same for both)")
    parser.add_argument("--episodes", type=int, default=5)
    parser.add_argument("--eval-seed", type=int, default=100)
    parser.add_argument("--out", type=Path, default=Path("results/masking"))
    parser.add_argument("--doc", type=Path, default=Path("docs/results.md"))
    args = parser.parse_args()
    rows = []
    for masked in (False, True):
        exp = experiment(args.scenario, masked)
        run_dir = train(exp, TrainSettings(minutes=args.minutes, seed=args.seed, num_env_runners=2, checkpoint_freq=25),
                        out=args.out)
        report = evaluate(None, TrainedPolicy(run_dir), episodes=args.episodes, seed=args.eval_seed, progress=False,
                          out=run_dir / "evaluation")
        s = report["summary"]
        resco = [e["resco_delay"] for e in report["episodes"]]
        rows.append(f"| {'masked' if masked else 'no mask'} | {training_minutes(run_dir):.1f} min, "
                    f"{int(last_progress(run_dir)['env_steps']):,} steps | {statistics.fmean(resco):.2f} ± "
                    f"{statistics.pstdev(resco):.2f} | {s['mean_delay']['mean']:.2f} ± {s['mean_delay']['std']:.2f} |")
        print(rows[-1], file=sys.stderr, flush=True)
    table = ("| policy | training | resco_delay (s) | mean delay (s) |\n|---|---|---|---|\n" + "\n".join(rows))
    body = (f"### Action masks in training\n\n`python scripts/masking_demo.py {' '.join(sys.argv[1:])}` — "
            f"{args.scenario}, protocol flowlights, one PPO policy shared by all lights (padded observations and actions; "
            "zone features, zone_queue reward), same training seed and budget, 2 env runners; greedy policy on held-out "
            f"seeds {args.eval_seed}..{args.eval_seed + args.episodes - 1}, mean ± std over them.\n\n" + table)
    print(table)
    put_section(args.doc, "masking", marked("results", "masking", body), kind="results")
    print(f"wrote {args.doc}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
