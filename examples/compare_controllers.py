"""Classical controllers side by side on the same seeds of one scenario (no training needed).

python examples/compare_controllers.py [--scenario grid2x2] [--episodes 2] [--end 900]
"""

import argparse

from flowlights.common.markdown import markdown_table
from flowlights.evaluation.evaluate import evaluate

parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
parser.add_argument("--scenario", default="grid2x2")
parser.add_argument("--controllers", nargs="+", default=["fixed", "actuated", "max_pressure", "greedy"])
parser.add_argument("--episodes", type=int, default=2)
parser.add_argument("--end", type=float, default=900.0)
args = parser.parse_args()

rows = []
for name in args.controllers:
    report = evaluate(args.scenario, name, episodes=args.episodes, seed=100, end=args.end, progress=False)
    delay = report["summary"]["mean_delay"]
    rows.append([name, f"{delay['mean']:.2f} ± {delay['std']:.2f}", report["summary"]["throughput"]["mean"]])
print(f"{args.scenario}, seeds 100..{99 + args.episodes}, {args.end:g} s")
print(markdown_table(["controller", "mean delay (s)", "arrived"], sorted(rows, key=lambda r: float(r[1].split()[0]))))
