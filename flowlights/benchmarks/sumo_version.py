"""How much does the SUMO version alone move RESCO's delay? Runs each RESCO scenario under its own
signal program (no controller: RESCO's FIXED) with two SUMO installations and compares the trip delay.

    flowlights benchmark sumo-version --other-sumo-home /tmp/sumo19/lib/python3.11/site-packages/sumo

Install the other SUMO into a throwaway venv first (RESCO tested 1.9.0/1.9.1):
``python3 -m venv /tmp/sumo19 && /tmp/sumo19/bin/pip install eclipse-sumo==1.9.1``.
Delay per trip: tripinfo timeLoss + departDelay, unfinished trips included
(``--tripinfo-output.write-unfinished``), ``--time-to-teleport -1``, the scenario's window — RESCO's
settings; vehicles never inserted are left out on both sides (same accounting for both versions).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Optional, Sequence

from flowlights.benchmarks.resco_reference import PUBLISHED, SCENARIOS
from flowlights.common.markdown import markdown_table
from flowlights.evaluation.tripinfo import read_tripinfos
from flowlights.networks.network_file import resco_dir
from flowlights.sim.sumo_home import sumo_home


def trip_delay(sumo_bin: Path, sumocfg: Path, seed: int) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "tripinfo.xml"
        subprocess.run(
            [
                str(sumo_bin),
                "-c",
                str(sumocfg),
                "--seed",
                str(seed),
                "--time-to-teleport",
                "-1",
                "--tripinfo-output",
                str(out),
                "--tripinfo-output.write-unfinished",
                "true",
                "--no-step-log",
                "true",
                "--no-warnings",
                "true",
            ],
            check=True,
            capture_output=True,
        )
        trips = read_tripinfos(out)
    return statistics.fmean(float(t["timeLoss"]) + float(t["departDelay"]) for t in trips)


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--other-sumo-home", type=Path, required=True, help="SUMO_HOME of the other version")
    parser.add_argument("--scenarios", nargs="+", default=list(SCENARIOS))
    parser.add_argument("--seeds", type=int, nargs="+", default=[100, 101, 102])
    args = parser.parse_args(argv)
    homes = {"ours": sumo_home(), "other": args.other_sumo_home}
    versions = {
        k: subprocess.run([str(h / "bin" / "sumo"), "--version"], capture_output=True, text=True).stdout.split("\n")[0]
        for k, h in homes.items()
    }
    rows = []
    for scenario in args.scenarios:
        cfg = resco_dir() / scenario / f"{scenario}.sumocfg"
        means = {
            k: statistics.fmean(trip_delay(h / "bin" / "sumo", cfg, s) for s in args.seeds) for k, h in homes.items()
        }
        published = PUBLISHED[scenario].get("FIXED")
        rows.append(
            [
                scenario,
                f"{means['ours']:.2f}",
                f"{means['other']:.2f}",
                f"{100 * (means['ours'] / means['other'] - 1):+.1f}%",
                f"{published:.2f}" if published else "–",
            ]
        )
        print(" | ".join(rows[-1]), file=sys.stderr, flush=True)
    print(f"ours: {versions['ours']}\nother: {versions['other']}\nseeds {args.seeds}\n")
    print(markdown_table(["scenario (own program)", "ours", "other", "ours vs other", "RESCO FIXED"], rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
