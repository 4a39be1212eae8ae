"""Every baseline on all eight RESCO scenarios (their own time windows), written to docs/results/resco-baselines.md.

    flowlights benchmark resco-baselines [RESCO_DIR] [--episodes 3] [--out docs/results/resco-baselines.md] [--runs results/resco]

RESCO_DIR defaults to ../shared/scenarios/resco. Settings: flowlights' defaults (decisions
every 5 s, yellow 3 s, all-red 2 s, min green 5 s, max green 60 s), SUMO with
--time-to-teleport -1 and --tripinfo-output.write-unfinished, as RESCO measures delay.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Optional, Sequence

from flowlights.baselines import CONTROLLERS
from flowlights.evaluation.evaluate import evaluate
from flowlights.evaluation.learning_report import marked, put_section
from flowlights.evaluation.results_table import results_markdown
from flowlights.networks.network_file import resco_dir

SCENARIOS = ["grid4x4", "arterial4x4", "cologne1", "cologne3", "cologne8", "ingolstadt1", "ingolstadt7", "ingolstadt21"]
CONTROLLER_ORDER = [
    "fixed",
    "program",
    "webster",
    "actuated",
    "delay_based",
    "max_pressure",
    "max_pressure_gap",
    "greedy",
    "sotl",
    "random",
]


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("resco", nargs="?", type=Path, default=resco_dir())
    parser.add_argument("--episodes", type=int, default=3)
    parser.add_argument("--controllers", nargs="+", default=[c for c in CONTROLLER_ORDER if c in CONTROLLERS])
    parser.add_argument("--scenarios", nargs="+", default=SCENARIOS)
    parser.add_argument("--out", type=Path, default=Path("docs/results/resco-baselines.md"))
    parser.add_argument("--runs", type=Path, default=Path("results/resco"))
    args = parser.parse_args(argv)
    reports = {}
    started = time.time()
    for scenario in args.scenarios:
        folder = args.resco / scenario
        for controller in args.controllers:
            report = evaluate(
                str(folder),
                controller,
                episodes=args.episodes,
                seed=0,
                progress=False,
                out=args.runs / scenario / controller,
                time_to_teleport=-1,
            )
            reports[(controller, scenario)] = report
            print(
                f"{scenario:13s} {controller:13s} resco_delay {report['summary']['resco_delay']['mean']:8.2f} "
                f"({time.time() - started:.0f} s)",
                file=sys.stderr,
                flush=True,
            )
    command = "flowlights benchmark resco-baselines " + " ".join(sys.argv[1:])
    preamble = f"""## Baselines on the RESCO scenarios under protocol `flowlights`

Made by `{command.strip()}` ({args.episodes} episodes per cell, seeds 0..{args.episodes - 1},
{time.time() - started:.0f} s on a 2-core machine). Each cell: mean ± std over episodes.

Settings: flowlights' defaults — decisions every 5 s, yellow 3 s, all-red 2 s, min green 5 s,
max green 60 s — for every controller (all run through the same signal controller;
`actuated`/`delay_based` are SUMO's own logic on programs built from the same phases and
timings). SUMO runs each scenario's own time window with `--time-to-teleport -1` and
`--tripinfo-output.write-unfinished`. `resco_delay` is RESCO's delay (tripinfo timeLoss +
departDelay over all vehicles, unfinished included, plus end − scheduled departure for
vehicles that never departed): compare it with RESCO's published table in
`../shared/scenarios/resco/README.md` — but note RESCO decides every 10 s with a 3 s yellow
and no all-red, so the settings differ. `mean_delay`, `mean_travel_time` and
`mean_waiting_time` cover finished trips only; `mean_queue` is halting vehicles per light.
"""
    put_section(
        args.out,
        "flowlights",
        marked("baselines", "flowlights", results_markdown(reports, args.controllers, args.scenarios, preamble)),
        kind="baselines",
    )
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
