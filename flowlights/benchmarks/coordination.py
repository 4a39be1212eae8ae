"""Coordination on a corridor, measured: coupled vs uncoupled pairs, cluster observations vs local ones.

On the bundled 1x4 arterial (busy west-east main road, lights A0 B0 C0 D0), each variant is evaluated
on held-out seeds 100..104 under the same protocol (flowlights' default: decisions every 5 s, 3 s
yellow + 2 s all-red, green 5-60 s):

* classical: max-pressure on every light, against max-pressure on A0 and C0 with B0 and D0 coupled to
  them (followers taking the complementary green);
* learned (with ``minutes``): PPO, one shared policy, the same budget each — local observations; with
  the corridor as one cluster (peers' green and queue in every observation); with the two couplings
  (two agents).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any, Optional, Sequence

import numpy as np

from flowlights.common.markdown import markdown_table
from flowlights.evaluation.evaluate import evaluate
from flowlights.evaluation.learning_report import marked, put_section
from flowlights.training.train import TrainSettings, train
from flowlights.training.trained_policy import TrainedPolicy

SCENARIO = "arterial1x4"
COUPLINGS = [["A0", "B0"], ["C0", "D0"]]
CLUSTERS = {"corridor": ["A0", "B0", "C0", "D0"]}
SEEDS = 100
EPISODES = 5
END = 1800.0

BASE_CONFIG = """# written by flowlights.benchmarks.coordination
exp_tag: {tag}
env_name: TrafficLightEnv
network: NetworkFile
simulator: libsumo
sim: {{step_length: 1.0, end: {end:g}, time_to_teleport: -1}}
env: {{delta_time: 5, observation: [phase, min_green, density, queue], reward: queue{extra}}}
net: {{scenario: "{scenario}"}}
tls: {{yellow: 3, all_red: 2, min_green: 5, max_green: 60}}
policies: shared
training: {{lr: 0.0005, train_batch_size_per_learner: 1800, minibatch_size: 300, num_epochs: 5, gamma: 0.95}}
"""

LEARNED = {
    "PPO, local observations": "",
    "PPO, corridor cluster": f", clusters: {json.dumps(CLUSTERS)}",
    "PPO, coupled pairs": f", couplings: {json.dumps(COUPLINGS)}",
}


def summary(report: dict[str, Any]) -> dict[str, float]:
    delays = [e["mean_delay"] for e in report["episodes"]]
    return {
        "mean_delay": float(np.mean(delays)),
        "std": float(np.std(delays)),
        "throughput": float(np.mean([e["throughput"] for e in report["episodes"]])),
    }


def classical() -> dict[str, dict[str, float]]:
    kw = {"episodes": EPISODES, "seed": SEEDS, "progress": False, "end": END}
    return {
        "max-pressure, every light": summary(evaluate(SCENARIO, "max_pressure", **kw)),
        "max-pressure on A0, C0; B0, D0 coupled": summary(
            evaluate(SCENARIO, "max_pressure", couplings=COUPLINGS, **kw)
        ),
    }


def learned(minutes: float, out: Path) -> dict[str, dict[str, float]]:
    results = {}
    for k, (name, extra) in enumerate(LEARNED.items()):
        cfg = out / f"corridor_{k}.yaml"
        cfg.parent.mkdir(parents=True, exist_ok=True)
        cfg.write_text(BASE_CONFIG.format(tag=f"corridor_{k}", end=END, extra=extra, scenario=SCENARIO))
        done = sorted((out / "runs").glob(f"corridor_{k}_*/checkpoints"))  # a finished run: evaluate it again
        run_dir = (
            done[-1].parent
            if done
            else train(cfg, TrainSettings(minutes=minutes, num_env_runners=2, checkpoint_freq=50), out=out / "runs")
        )
        report = evaluate(None, TrainedPolicy(run_dir), episodes=EPISODES, seed=SEEDS, progress=False, end=END)
        results[name] = summary(report)
    return results


def save_rows(json_path: Path, minutes: Optional[float], rows: dict[str, dict[str, float]]) -> None:
    """This run's rows; rows of the previous run that this one did not measure (the learned ones, when run without
    ``--minutes``) are kept under ``earlier`` with their budget, never dropped."""
    previous = json.loads(json_path.read_text()) if json_path.is_file() else {}
    earlier = {**previous.get("earlier", {}).get("rows", {}), **previous.get("rows", {})}
    kept = {name: row for name, row in earlier.items() if name not in rows}
    data: dict[str, Any] = {"minutes": minutes, "rows": rows}
    if kept:
        data["earlier"] = {
            "minutes": previous.get("minutes") or previous.get("earlier", {}).get("minutes"),
            "rows": kept,
        }
    json_path.parent.mkdir(parents=True, exist_ok=True)
    json_path.write_text(json.dumps(data, indent=2))


def main(
    minutes: Optional[float], out: Path, json_path: Optional[Path], page: Optional[Path] = None
) -> dict[str, dict[str, float]]:
    rows = classical()
    if minutes:
        rows.update(learned(minutes, out))
    table = markdown_table(
        ["variant (arterial1x4, protocol flowlights, seeds 100-104)", "mean delay (s)", "throughput"],
        [[name, f"{r['mean_delay']:.2f} ± {r['std']:.2f}", f"{r['throughput']:.0f}"] for name, r in rows.items()],
    )
    print(table)
    if json_path is not None:
        save_rows(json_path, minutes, rows)
    if page is not None:
        command = "flowlights benchmark coordination" + (f" --minutes {minutes:g}" if minutes else "")
        setup = (
            f"`{command}`: the bundled 1x4 arterial (busy west-east main road, lights A0 B0 C0 D0), "
            f"{END:g} s episodes, protocol flowlights, seeds {SEEDS}-{SEEDS + EPISODES - 1} for every variant; "
            "learned variants: PPO, one shared policy, the same budget each."
        )
        put_section(page, "coordination", marked("results", "coordination", f"{setup}\n\n{table}"), kind="results")
        print(f"wrote {page}")
    return rows


def cli(argv: Optional[Sequence[str]] = None) -> int:
    """``flowlights benchmark coordination [--minutes M] [--out DIR] [--json PATH]``."""
    parser = argparse.ArgumentParser(prog="flowlights benchmark coordination", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--minutes", type=float, default=None, help="PPO budget per learned variant (none: classical only)"
    )
    parser.add_argument("--out", type=Path, default=Path("results/coordination"))
    parser.add_argument("--json", type=Path, default=Path("docs/results/coordination.json"))
    parser.add_argument("--page", type=Path, default=Path("docs/results/coordination.md"), help="the generated page")
    args = parser.parse_args(argv)
    main(args.minutes, args.out, args.json, args.page)
    return 0
