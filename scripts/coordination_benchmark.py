"""Coupled vs uncoupled pairs and cluster vs local observations on a corridor (flowlights.evaluation.coordination_benchmark).

python scripts/coordination_benchmark.py                 # classical only (a minute)
python scripts/coordination_benchmark.py --minutes 8     # and three PPO trainings of 8 min each
"""

import argparse
from pathlib import Path

from flowlights.evaluation.coordination_benchmark import main

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--minutes", type=float, default=None, help="PPO budget per learned variant (none: classical only)"
    )
    parser.add_argument("--out", type=Path, default=Path("results/coordination"))
    parser.add_argument("--json", type=Path, default=Path("docs/coordination.json"))
    args = parser.parse_args()
    main(args.minutes, args.out, args.json)
