"""Where a random-action episode's time goes (cProfile): ``flowlights benchmark profile`` (this file is its old
entry point)."""

import sys

from flowlights.benchmarks import run

if __name__ == "__main__":
    sys.exit(run("profile", sys.argv[1:]))
