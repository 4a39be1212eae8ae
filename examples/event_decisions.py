"""Event-driven against fixed-interval decisions: light decisions asked per episode and delay, for a
controller (and optionally a trained policy) on one scenario, same seeds and settings.

    python examples/event_decisions.py --scenario ../shared/scenarios/resco/grid4x4/grid4x4.sumocfg --episodes 3
    python examples/event_decisions.py --scenario grid2x2 --checkpoint results/grid2x2_shared_<date>
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from flowlights.evaluation.evaluate import evaluate


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenario", default="grid4x4")
    parser.add_argument("--controllers", nargs="+", default=["max_pressure"])
    parser.add_argument("--checkpoint", type=Path, default=None, help="also a trained policy (its own scenario)")
    parser.add_argument("--episodes", type=int, default=3)
    parser.add_argument("--seed", type=int, default=100)
    args = parser.parse_args()
    rows = []
    subjects: list = list(args.controllers)
    if args.checkpoint:
        from flowlights.training.trained_policy import TrainedPolicy

        policy = TrainedPolicy(args.checkpoint)
        # the run's own decision mode must not override the one each row asks for
        policy.env_overrides = {k: v for k, v in policy.env_overrides.items() if k != "decision"}
        subjects.append(policy)
    for subject in subjects:
        for mode in ("fixed", "event"):
            scenario = None if not isinstance(subject, str) else args.scenario
            report = evaluate(
                scenario,
                subject,
                episodes=args.episodes,
                seed=args.seed,
                progress=False,
                decision=mode,
                time_to_teleport=-1,
            )
            s = report["summary"]
            rows.append(
                f"| {report['controller']} | {mode} | {s['decisions']['mean']:.0f} | {s['mean_delay']['mean']:.2f} ± "
                f"{s['mean_delay']['std']:.2f} | {s['resco_delay']['mean']:.2f} |"
            )
    print(
        f"`python examples/event_decisions.py {' '.join(sys.argv[1:])}` — seeds {args.seed}..{args.seed + args.episodes - 1}, "
        "protocol flowlights (5 s decisions, 3 s yellow, 2 s all-red, min green 5 s)\n"
    )
    print("| controller | decisions | light decisions / episode | mean delay (s) | resco_delay (s) |")
    print("|---|---|---|---|---|")
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
