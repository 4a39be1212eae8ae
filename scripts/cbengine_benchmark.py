"""KDD Cup 2021 agents on the CBEngine world: ``flowlights benchmark cbengine`` (this file is its old entry point)."""

import sys

from flowlights.benchmarks import run

if __name__ == "__main__":
    sys.exit(run("cbengine", sys.argv[1:]))
