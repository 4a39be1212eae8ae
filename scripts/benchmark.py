"""Speed, scale and RLlib throughput: the tables of docs/performance.md: ``flowlights benchmark performance`` (this file is its old entry point)."""

import sys

from flowlights.benchmarks import run

if __name__ == "__main__":
    sys.exit(run("performance", sys.argv[1:]))
