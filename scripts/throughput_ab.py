"""RLlib env steps per second, two settings side by side: ``flowlights benchmark throughput-ab`` (this file is its old entry point)."""

import sys

from flowlights.benchmarks import run

if __name__ == "__main__":
    sys.exit(run("throughput-ab", sys.argv[1:]))
