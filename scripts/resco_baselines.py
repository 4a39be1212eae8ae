"""The classical controllers on RESCO's scenarios under its protocol: ``flowlights benchmark resco-baselines`` (this file is its old entry point)."""

import sys

from flowlights.benchmarks import run

if __name__ == "__main__":
    sys.exit(run("resco-baselines", sys.argv[1:]))
