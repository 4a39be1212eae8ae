"""Coupled vs uncoupled pairs and cluster vs local observations: ``flowlights benchmark coordination`` (this file is
its old entry point)."""

import sys

from flowlights.benchmarks import run

if __name__ == "__main__":
    sys.exit(run("coordination", sys.argv[1:]))
