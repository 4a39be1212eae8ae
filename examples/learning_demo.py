"""Show learning: train an experiment for a wall-clock budget, then evaluate the trained policy
greedily against fixed, actuated and max-pressure on the same held-out seeds, and put the
table and the learning curve into docs/results/learning.md.

    python examples/learning_demo.py exp_configs/grid2x2_shared.py --minutes 30
    python examples/learning_demo.py exp_configs/resco_grid4x4.py --minutes 60
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from flowlights.evaluation.learning_report import compare_with_baselines, learning_section, put_section
from flowlights.training.train import TrainSettings, train


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("exp_config", type=Path)
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--num-env-runners", type=int, default=TrainSettings.num_env_runners)
    parser.add_argument("--episodes", type=int, default=5)
    parser.add_argument("--eval-seed", type=int, default=100)
    parser.add_argument("--baselines", nargs="+", default=["fixed", "actuated", "max_pressure"])
    parser.add_argument("--resume", type=Path, default=None, help="skip training: evaluate this results folder")
    parser.add_argument("--out", type=Path, default=Path("results/learning"))
    parser.add_argument("--doc", type=Path, default=Path("docs/results/learning.md"))
    args = parser.parse_args()
    if args.resume:
        run_dir = args.resume
    else:
        run_dir = train(
            args.exp_config,
            TrainSettings(minutes=args.minutes, num_env_runners=args.num_env_runners, checkpoint_freq=25),
            out=args.out,
        )
    reports = compare_with_baselines(run_dir, args.baselines, args.episodes, args.eval_seed, run_dir / "evaluation")
    tag = args.exp_config.stem
    curve = args.doc.parent / f"learning_{tag}.png"
    shutil.copyfile(run_dir / "learning_curve.png", curve)
    command = "python examples/learning_demo.py " + " ".join(sys.argv[1:])
    section = learning_section(tag, reports, run_dir, command, curve.name)
    put_section(args.doc, tag, section)
    print(section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
