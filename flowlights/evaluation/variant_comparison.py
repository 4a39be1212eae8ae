"""Training variants side by side: each variant trained with the same budget on several training seeds,
its greedy policy evaluated on the same held-out seeds, then two markdown tables — the held-out delays
(per training seed and their mean) and the training curves at equal env steps. Finished runs are found
again under the output folder, so a stopped comparison resumes (used by examples/masking_demo.py and
flowlights benchmark throughput-ab).
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Optional, Sequence

from flowlights.evaluation.evaluate import evaluate
from flowlights.evaluation.learning_report import marked, put_section, training_minutes
from flowlights.training.train import TrainSettings, last_progress, train
from flowlights.training.trained_policy import TrainedPolicy

CURVE_STEPS = (50_000, 100_000, 150_000, 200_000, 250_000, 300_000, 350_000)


@dataclass
class Variant:
    """One arm of a comparison: its name in the tables, the experiment (its exp_tag names its runs) and the
    env runners it trains with."""

    name: str
    experiment: Any
    num_env_runners: int = 2


def finished_run(out: Path, exp_tag: str, seed: int, minutes: float) -> Optional[Path]:
    """A run of ``exp_tag`` with this training seed and budget, trained and evaluated under ``out``, if any."""
    for run_dir in sorted(out.glob(f"{exp_tag}_*"), reverse=True):
        try:
            settings = json.loads((run_dir / "params.json").read_text())["train_settings"]
        except (OSError, KeyError, ValueError):
            continue
        if (
            settings.get("seed") == seed
            and settings.get("minutes") == minutes
            and (run_dir / "evaluation" / "metrics.json").is_file()
        ):
            return run_dir
    return None


def run_variants(
    variants: Sequence[Variant],
    seeds: Sequence[int],
    minutes: float,
    out: Path,
    episodes: int = 5,
    eval_seed: int = 100,
    log: Callable[[str], Any] = print,
) -> dict[str, list[tuple[int, Path]]]:
    """Train (or find) every variant on every seed, each evaluated greedily on ``episodes`` held-out seeds."""
    runs: dict[str, list[tuple[int, Path]]] = {v.name: [] for v in variants}
    for seed in seeds:
        for variant in variants:
            run_dir = finished_run(out, variant.experiment.exp_tag, seed, minutes)
            if run_dir is None:
                log(f"training {variant.name}, seed {seed}, {minutes:g} min")
                run_dir = train(
                    variant.experiment,
                    TrainSettings(
                        minutes=minutes, seed=seed, checkpoint_freq=25, num_env_runners=variant.num_env_runners
                    ),
                    out=out,
                )
                evaluate(
                    None,
                    TrainedPolicy(run_dir),
                    episodes=episodes,
                    seed=eval_seed,
                    progress=False,
                    out=run_dir / "evaluation",
                )
            else:
                log(f"reusing {run_dir}")
            runs[variant.name].append((seed, run_dir))
    return runs


def delay_at(run_dir: Path, steps: int) -> Optional[float]:
    """Training episodes' mean delay at ``steps`` env steps (linear between iterations), None beyond the run."""
    with open(run_dir / "progress.csv", newline="") as fh:
        rows = [(float(r["env_steps"]), float(r["mean_delay"])) for r in csv.DictReader(fh) if r.get("mean_delay")]
    for (s0, d0), (s1, d1) in zip(rows, rows[1:]):
        if s0 <= steps <= s1:
            return d0 + (d1 - d0) * (steps - s0) / (s1 - s0) if s1 > s0 else d1
    return None


def mean_std(values: Sequence[float]) -> str:
    return f"{statistics.fmean(values):.2f} ± {statistics.pstdev(values):.2f}" if values else "–"


def held_out_table(runs: dict[str, list[tuple[int, Path]]]) -> str:
    """Per variant and training seed: training done and the held-out delays; then the mean over training seeds."""
    lines = ["| variant | training seed | training | resco_delay (s) | mean delay (s) |", "|---|---|---|---|---|"]
    for name, seeded in runs.items():
        means = []
        for seed, run_dir in seeded:
            episodes = json.loads((run_dir / "evaluation" / "metrics.json").read_text())["episodes"]
            resco, delay = [e["resco_delay"] for e in episodes], [e["mean_delay"] for e in episodes]
            means.append((statistics.fmean(resco), statistics.fmean(delay)))
            lines.append(
                f"| {name} | {seed} | {training_minutes(run_dir):.1f} min, "
                f"{int(last_progress(run_dir)['env_steps']):,} steps | {mean_std(resco)} | {mean_std(delay)} |"
            )
        lines.append(
            f"| **{name}** | mean over {len(seeded)} | | **{mean_std([r for r, _ in means])}** | "
            f"**{mean_std([d for _, d in means])}** |"
        )
    return "\n".join(lines)


def curves_table(runs: dict[str, list[tuple[int, Path]]], steps: Sequence[int] = CURVE_STEPS) -> str:
    """Training episodes' mean delay at equal env steps, mean ± std over the training seeds ('–' where a run
    did not get that far)."""
    lines = ["| variant | " + " | ".join(f"{s // 1000}k steps" for s in steps) + " |", "|---|" + "---|" * len(steps)]
    for name, seeded in runs.items():
        cells = []
        for step in steps:
            values = [v for v in (delay_at(run_dir, step) for _, run_dir in seeded) if v is not None]
            cells.append(mean_std(values) if len(values) == len(seeded) else "–")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def comparison_section(
    title: str, command: str, setup: str, runs: dict[str, list[tuple[int, Path]]], eval_seed: int, episodes: int
) -> str:
    """The markdown of a comparison: title, the command and set-up it ran, then both tables."""
    seeds = sorted({seed for seeded in runs.values() for seed, _ in seeded})
    return (
        f"### {title}\n\n`{command}` — {setup}; training seeds {', '.join(map(str, seeds))}; greedy policy on "
        f"held-out seeds {eval_seed}..{eval_seed + episodes - 1}: per training seed the mean ± std over the "
        "evaluation seeds, then the mean ± std over training seeds of those means.\n\n"
        + held_out_table(runs)
        + "\n\nPer env step: the training episodes' mean delay (s, progress.csv, linear between iterations) at "
        "equal env steps, mean ± std over the training seeds ('–': not reached in the budget):\n\n" + curves_table(runs)
    )


def comparison_arguments(
    parser: argparse.ArgumentParser, minutes: float, seeds: Sequence[int], out: Path, doc: Path
) -> None:
    """A comparison script's common options: budget, training seeds, evaluation, where runs and tables go."""
    parser.add_argument("--minutes", type=float, default=minutes, help="training budget of each variant and seed")
    parser.add_argument(
        "--seeds",
        type=int,
        nargs="+",
        default=list(seeds),
        help="training seeds (each trains every variant; finished runs under --out are reused)",
    )
    parser.add_argument("--episodes", type=int, default=5, help="held-out evaluation episodes")
    parser.add_argument("--eval-seed", type=int, default=100, help="first held-out seed")
    parser.add_argument("--out", type=Path, default=out, help="run folders (not committed)")
    parser.add_argument("--doc", type=Path, default=doc, help="the markdown file the tables go into (a section of it)")


def compare_and_write(
    variants: Sequence[Variant], args: argparse.Namespace, title: str, setup: str, kind: str, tag: str
) -> str:
    """Run the comparison the options of ``comparison_arguments`` describe; write its section into ``args.doc``."""
    runs = run_variants(
        variants,
        args.seeds,
        args.minutes,
        args.out,
        args.episodes,
        args.eval_seed,
        log=lambda message: print(message, file=sys.stderr, flush=True),
    )
    command = " ".join(["python", *sys.argv]).strip()
    body = comparison_section(title, command, setup, runs, args.eval_seed, args.episodes)
    put_section(args.doc, tag, marked(kind, tag, body), kind=kind)
    return body


__all__ = [
    "CURVE_STEPS",
    "Variant",
    "compare_and_write",
    "comparison_arguments",
    "comparison_section",
    "curves_table",
    "delay_at",
    "finished_run",
    "held_out_table",
    "mean_std",
    "run_variants",
]
