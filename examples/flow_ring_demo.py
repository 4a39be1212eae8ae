"""Flow's classic ring-road result on flowlights: train the RL vehicle of exp_configs/flow_ring.py, then
compare, on the same held-out seeds (so the same ring lengths), the human drivers' speed spread and
the mean speed with the trained vehicle against the all-human ring (the RL vehicle replaced by
one more IDM driver with noise). Figures go to docs/results/flow-ring.md.

    python examples/flow_ring_demo.py --minutes 20
    python examples/flow_ring_demo.py --resume results/flow_ring/flow_ring_<date>   # evaluate only
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

from flowlights.evaluation.learning_report import marked, put_section
from flowlights.flow.evaluation.rollouts import all_human, run_rollouts
from flowlights.flow.training.policy import FlowPolicy
from flowlights.training.train import TrainSettings, last_progress, train

CONFIG = Path("exp_configs/flow_ring.py")


def summary(rows: list[dict[str, float]], key: str) -> str:
    values = [r[key] for r in rows]
    return f"{statistics.fmean(values):.3f} ± {statistics.pstdev(values):.3f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=20.0)
    parser.add_argument("--num-env-runners", type=int, default=1)
    parser.add_argument("--seeds", type=int, nargs="+", default=[100, 101, 102, 103, 104])
    parser.add_argument("--resume", type=Path, default=None, help="skip training: evaluate this results folder")
    parser.add_argument("--doc", type=Path, default=Path("docs/results/flow-ring.md"))
    args = parser.parse_args()
    run_dir = args.resume or train(
        CONFIG,
        TrainSettings(minutes=args.minutes, num_env_runners=args.num_env_runners, checkpoint_freq=20),
        out=Path("results/flow_ring"),
    )
    policy = FlowPolicy(run_dir)
    trained, humans = [], []
    for seed in args.seeds:
        trained += run_rollouts(policy.experiment, policy, seed=seed)
        humans += run_rollouts(all_human(policy.experiment), None, seed=seed)
    rows = "\n".join(
        f"| {name} | {summary(r, 'human_speed_std')} | {summary(r, 'mean_speed')} | {summary(r, 'return') if agents else '–'} |"
        for name, r, agents in (
            ("all-human ring (22 IDM drivers)", humans, False),
            ("trained RL vehicle + 21 IDM drivers", trained, True),
        )
    )
    last = last_progress(run_dir)
    steps, minutes = last.get("env_steps", "?"), float(last.get("wall_seconds") or 0) / 60
    text = marked(
        "flow-ring",
        "flow-ring",
        f"""## Flow's ring road: the RL vehicle damps the waves

`python examples/flow_ring_demo.py {" ".join(sys.argv[1:])}` — exp_configs/flow_ring.py (Flow's ring:
IDM drivers with noise 0.2, ring of 220-270 m drawn per episode, decisions every 0.2 s), PPO,
{minutes:.1f} min of training ({steps} env steps); greedy policy (the Gaussian's mean), evaluated on seeds
{args.seeds[0]}..{args.seeds[-1]} (the same ring lengths for both rows), 150 s after a 75 s warm-up.
Human speed spread: the standard deviation of the human drivers' speeds, averaged over the episode
(stop-and-go waves make it large); mean ± std over the evaluation seeds.

| ring | human drivers' speed std (m/s) | mean speed, all vehicles (m/s) | return (RL agent) |
|---|---|---|---|
{rows}
""",
    )
    put_section(args.doc, "flow-ring", text, kind="flow-ring")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
