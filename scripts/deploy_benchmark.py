"""Lights as services, measured: ``flowlights benchmark deploy`` (this file is its old entry point)."""

import sys

from flowlights.benchmarks import run

if __name__ == "__main__":
    sys.exit(run("deploy", sys.argv[1:]))
