"""Episodes and training iterations back to back: no leak of memory, files, threads, processes: ``flowlights benchmark soak`` (this file is its old entry point)."""

import sys

from flowlights.benchmarks import run

if __name__ == "__main__":
    sys.exit(run("soak", sys.argv[1:]))
