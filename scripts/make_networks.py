"""Regenerate the bundled scenarios in networks/ (flowlights.networks.bundled_scenarios)."""

import sys

from flowlights.networks.bundled_scenarios import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
