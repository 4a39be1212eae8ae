"""Benchmark: simulated seconds per wall second of a 3600 s random-action episode, beside plain
sumo on the same scenario in the same run. A thin wrapper over ``flowlights bench``.

    python scripts/bench_env.py                       # bundled grid4x4 and RESCO grid4x4
    python scripts/bench_env.py grid2x2 x.sumocfg --repeats 5 --backend traci
"""

import sys

from flowlights.cli import main

if __name__ == "__main__":
    sys.exit(main(["bench", *sys.argv[1:]]))
