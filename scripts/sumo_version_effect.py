"""What the SUMO version changes in the classical controllers' delays: ``flowlights benchmark sumo-version`` (this file is its old entry point)."""

import sys

from flowlights.benchmarks import run

if __name__ == "__main__":
    sys.exit(run("sumo-version", sys.argv[1:]))
