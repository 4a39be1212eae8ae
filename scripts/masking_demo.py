"""Does masking speed learning? Two trainings with the same budget, seed and settings — one policy shared by
lights of different shapes (padded observations and actions) — with and without action masks; both evaluated
greedily on the same held-out seeds.

    python scripts/masking_demo.py --scenario resco:cologne8 --minutes 12 --seeds 0 1 2

Without masks, the shared policy can ask for greens a light does not have (padded actions) or for a switch
during a transition or before min green: the env ignores those requests, and the policy has to learn that they
do nothing. With ``action_mask=True`` the masked module never picks them. The table (delay, requests the rules
ignored) goes to docs/results.md (section "masking").
"""
from __future__ import annotations

import argparse
import csv
import json
import statistics
import sys
from pathlib import Path
from typing import Optional

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


CURVE_STEPS = (50_000, 100_000, 150_000, 200_000, 250_000, 300_000, 350_000)


def finished_run(out: Path, scenario: str, masked: bool, seed: int, minutes: float) -> Optional[Path]:
    """A run of this variant, seed and budget already trained and evaluated under ``out`` (resumable)."""
    tag = experiment(scenario, masked).exp_tag
    for run_dir in sorted(out.glob(f"{tag}_*"), reverse=True):
        try:
            settings = json.loads((run_dir / "params.json").read_text())["train_settings"]
        except (OSError, KeyError, ValueError):
            continue
        if (settings.get("seed") == seed and settings.get("minutes") == minutes
                and (run_dir / "evaluation" / "metrics.json").is_file()):
            return run_dir
    return None


def delay_at(run_dir: Path, steps: int) -> Optional[float]:
    """Training episodes' mean delay at ``steps`` env steps (linear between iterations), None beyond the run."""
    with open(run_dir / "progress.csv", newline="") as fh:
        rows = [(float(r["env_steps"]), float(r["mean_delay"])) for r in csv.DictReader(fh) if r.get("mean_delay")]
    for (s0, d0), (s1, d1) in zip(rows, rows[1:]):
        if s0 <= steps <= s1:
            return d0 + (d1 - d0) * (steps - s0) / (s1 - s0) if s1 > s0 else d1
    return None


def mean_std(values: list[float]) -> str:
    return f"{statistics.fmean(values):.2f} ± {statistics.pstdev(values):.2f}" if values else "–"


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
    runs: dict[bool, list[Path]] = {False: [], True: []}
    for seed in args.seeds:
        for masked in (False, True):
            run_dir = finished_run(args.out, args.scenario, masked, seed, args.minutes)
            if run_dir is None:
                print(f"training {'masked' if masked else 'no mask'}, seed {seed}, {args.minutes} min", file=sys.stderr, flush=True)
                run_dir = train(experiment(args.scenario, masked),
                                TrainSettings(minutes=args.minutes, seed=seed, num_env_runners=2, checkpoint_freq=25),
                                out=args.out)
                evaluate(None, TrainedPolicy(run_dir), episodes=args.episodes, seed=args.eval_seed, progress=False,
                         out=run_dir / "evaluation")
            else:
                print(f"reusing {run_dir}", file=sys.stderr, flush=True)
            runs[masked].append(run_dir)
    rows, curve_rows = [], []
    for masked, dirs in runs.items():
        name = "masked" if masked else "no mask"
        per_seed = []
        for seed, run_dir in zip(args.seeds, dirs):
            report = json.loads((run_dir / "evaluation" / "metrics.json").read_text())
            resco = [e["resco_delay"] for e in report["episodes"]]
            delay = [e["mean_delay"] for e in report["episodes"]]
            per_seed.append((statistics.fmean(resco), statistics.fmean(delay)))
            rows.append(f"| {name} | {seed} | {training_minutes(run_dir):.1f} min, "
                        f"{int(last_progress(run_dir)['env_steps']):,} steps | {mean_std(resco)} | {mean_std(delay)} |")
        rows.append(f"| **{name}** | mean over {len(dirs)} | | **{mean_std([r for r, _ in per_seed])}** | "
                    f"**{mean_std([d for _, d in per_seed])}** |")
        cells = []
        for steps in CURVE_STEPS:
            values = [v for v in (delay_at(d, steps) for d in dirs) if v is not None]
            cells.append(mean_std(values) if len(values) == len(dirs) else "–")
        curve_rows.append(f"| {name} | " + " | ".join(cells) + " |")
    table = ("| policy | training seed | training | resco_delay (s) | mean delay (s) |\n|---|---|---|---|---|\n"
             + "\n".join(rows))
    curves = ("| policy | " + " | ".join(f"{s // 1000}k steps" for s in CURVE_STEPS) + " |\n|---|"
              + "---|" * len(CURVE_STEPS) + "\n" + "\n".join(curve_rows))
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
