"""Score KDD-Cup-style agents and our baselines with CBEngine's delay index on a generated CBEngine scenario.

    flowlights benchmark cbengine [--rows 3 --cols 3 --seconds 1800 --vehicles-per-hour 2500 --seeds 0 1 2]

For each flow seed: writes a grid scenario (python -m flowlights.cbengine.generate), then runs
``flowlights cbengine-evaluate`` on the two agent folders of the tests (tests/cbengine_agents: a fixed cycle
through phases 1-8 and a max-pressure agent reading lane_vehicle_num) and on our baselines
(``--controller``), with no threshold stop. Prints mean ± std over the flow seeds of the delay index (protocol
cbengine: 10 s steps, 5 s change interval) and writes the table into docs/results/cbengine.md.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Optional, Sequence

from flowlights.cbengine.evaluate import cbengine_evaluate
from flowlights.cbengine.generate import write_grid
from flowlights.evaluation.learning_report import marked, put_section

AGENTS = Path(__file__).resolve().parents[2] / "tests" / "cbengine_agents"
RUNS = [
    ("agent folder: fixed cycle (3 steps per phase)", {"input_dir": AGENTS / "fixed_cycle"}),
    ("agent folder: max pressure on lane_vehicle_num", {"input_dir": AGENTS / "max_pressure"}),
    ("flowlights fixed", {"controller": "fixed"}),
    ("flowlights max_pressure", {"controller": "max_pressure"}),
    ("flowlights greedy", {"controller": "greedy"}),
]


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=3)
    parser.add_argument("--cols", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=1800)
    parser.add_argument("--vehicles-per-hour", type=float, default=2500.0)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2], help="flow seeds (one scenario each)")
    parser.add_argument("--doc", type=Path, default=Path("docs/results/cbengine.md"))
    args = parser.parse_args(argv)
    scores: dict[str, list[float]] = {name: [] for name, _ in RUNS}
    served: dict[str, list[int]] = {name: [] for name, _ in RUNS}
    with tempfile.TemporaryDirectory() as tmp:
        for seed in args.seeds:
            cfg = write_grid(
                Path(tmp) / f"seed{seed}",
                args.rows,
                args.cols,
                vehicles_per_hour=args.vehicles_per_hour,
                seconds=args.seconds,
                seed=seed,
            )
            for name, how in RUNS:
                started = time.time()
                result = cbengine_evaluate(
                    how.get("input_dir"),
                    Path(tmp) / "out" / name,
                    cfg,
                    metric_period=args.seconds,
                    threshold=float("inf"),
                    vehicle_info_path=Path(tmp) / "log" / name,
                    controller=how.get("controller"),
                )
                scores[name].append(result["data"]["delay_index"])
                served[name].append(result["data"]["total_served_vehicles"])
                print(
                    f"seed {seed}  {name:48s} delay index {scores[name][-1]:.4f}  served {served[name][-1]}  "
                    f"({time.time() - started:.0f} s)",
                    file=sys.stderr,
                    flush=True,
                )
    rows = ["| controller | delay index (mean ± std over flow seeds) | served vehicles |", "|---|---|---|"]
    for name, _ in RUNS:
        values = scores[name]
        std = statistics.pstdev(values) if len(values) > 1 else 0.0
        rows.append(f"| {name} | {statistics.fmean(values):.3f} ± {std:.3f} | {statistics.fmean(served[name]):.0f} |")
    table = "\n".join(rows)
    print(table)
    body = (
        f"### CBEngine (KDD Cup 2021) scoring on SUMO\n\n"
        f"`flowlights benchmark cbengine --rows {args.rows} --cols {args.cols} --seconds {args.seconds} "
        f"--vehicles-per-hour {args.vehicles_per_hour:g} --seeds {' '.join(map(str, args.seeds))}`: a generated "
        f"{args.rows}x{args.cols} grid of CBEngine signals (300 m roads, 3 lanes: left / straight / straight+right), "
        f"{args.vehicles_per_hour:g} vehicles/h on random routes for {args.seconds} s; protocol cbengine (10 s steps, "
        "a phase change stops the intersection 5 s); the competition's delay index over every vehicle that entered, "
        "at the end of the run (no threshold stop); the same flows for every row.\n\n" + table
    )
    put_section(args.doc, "cbengine", marked("results", "cbengine", body), kind="results")
    print(f"wrote {args.doc}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
