"""RESCO's eight scenarios: classical controllers and expert set-ups against RESCO's delays: ``flowlights benchmark resco`` (this file is its old entry point)."""

import sys

from flowlights.benchmarks import run

if __name__ == "__main__":
    sys.exit(run("resco", sys.argv[1:]))
