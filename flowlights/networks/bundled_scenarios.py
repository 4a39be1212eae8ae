"""Regenerate the bundled scenarios in networks/ with flowlights' own GridNetwork and InFlows.

python scripts/make_networks.py [--out networks]   (this module's old entry point)
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path
from typing import Optional, Sequence

from flowlights.networks import ArterialNetwork, GridNetwork
from flowlights.networks.scenario_writer import write_scenario

BUNDLED = {
    # name: (network, vehicles per hour per entry road, west-east factor)
    "single": (GridNetwork(rows=1, cols=1, lanes=2, turn_lanes=1), 500.0, 1.0),
    "grid2x2": (GridNetwork(rows=2, cols=2), 300.0, 1.0),
    "grid4x4": (GridNetwork(rows=4, cols=4), 250.0, 1.0),
    "arterial1x4": (ArterialNetwork(), 200.0, 3.0),
}


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parents[2] / "networks")
    args = parser.parse_args(argv)
    for name, (network, rate, factor) in BUNDLED.items():
        with tempfile.TemporaryDirectory() as tmp:
            net = network.build(Path(tmp))
            demand = network.demand(net, vehs_per_hour=rate, main_axis_factor=factor)
            # files named '<name>-flowlights.*' so they are never mistaken for RESCO's same-named scenarios
            cfg = write_scenario(args.out / name, name, net, demand, file_stem=f"{name}-flowlights")
        print(f"wrote {cfg}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
