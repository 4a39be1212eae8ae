"""All of flowlights' speed and scale benchmarks, in one run: the generated page docs/results/performance.md
(one section per part: command, set-up, table, date and machine) and its JSON (docs/results/performance.json).

    flowlights benchmark performance                      # everything (about 25 minutes on 2 cores)
    flowlights benchmark performance --only speed scale   # some parts
    flowlights benchmark performance --resco ../shared/scenarios/resco --repeats 5 --sumo-rl-venv /tmp/sumo-rl

Parts: ``speed`` (RESCO grid4x4 beside plain sumo and sumo-rl, libsumo and TraCI; RESCO
ingolstadt21; the same with the default 2 s all-red), ``scale`` (10x10 and 32x32 generated grids),
``rllib`` (env steps per second in PPO training with 0 and 2 env runners, and 2 with minibatch 1800, on RESCO grid4x4 or,
without RESCO, the bundled 4x4 grid). sumo-rl is installed into a throwaway venv on first use.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path
from typing import Optional, Sequence

from flowlights.benchmarks import rllib_throughput, scale, speed
from flowlights.benchmarks.sumo_rl_reference import default_venv, sumo_rl_python
from flowlights.evaluation.learning_report import marked, put_section

REPO = Path(__file__).resolve().parents[2]


SETUPS = {
    "speed": "One whole 3600 s episode of the scenario with random actions (a decision every 5 s, yellow 3 s, min "
    "green 5 s, max green 60 s, the default observation and reward, libsumo unless said, teleport 300 s), alternated "
    "run by run with plain `sumo` (its own programs, trip statistics on) and sumo-rl (same timings, in a throwaway "
    "venv), medians of {repeats}. Ratio: flowlights' simulated seconds per wall second over plain sumo's; ceiling: "
    "plain sumo's time over the time SUMO's own calls took inside flowlights' episode.",
    "scale": "Generated NxN grids (every junction a light, 120 veh/h per entry road), one random-action episode each: "
    "the time outside SUMO's step per light and decision, and the process's peak memory.",
    "rllib": "PPO on {experiment}, {iterations} timed training iterations per row after an untimed warm-up one "
    "(medians): environment steps per second of training wall time, with 0 env runners (sampling in the driver), "
    "2, and 2 with minibatch 1800.",
}


def write_part(page: Path, data: Path, part: str, command: str, setup: str, table: str, rows: list) -> None:
    """One part's section of the generated page, and its rows in the JSON beside it."""
    put_section(page, part, marked("results", part, f"### {part}\n\n`{command}`: {setup}\n\n{table}"), kind="results")
    everything = json.loads(data.read_text()) if data.is_file() else {}
    everything[part] = [dataclasses.asdict(r) for r in rows]
    data.write_text(json.dumps(everything, indent=2, default=str))


def speed_tables(resco: Path, repeats: int, venv: Path) -> tuple[str, list]:
    python = sumo_rl_python(venv)
    grid, ingolstadt = resco / "grid4x4" / "grid4x4.sumocfg", resco / "ingolstadt21" / "ingolstadt21.sumocfg"
    runs = [
        ("RESCO grid4x4", dict(sumocfg=str(grid), all_red=0.0), python),
        ("RESCO grid4x4", dict(sumocfg=str(grid), all_red=0.0, backend="traci"), None),
        ("RESCO ingolstadt21", dict(sumocfg=str(ingolstadt), all_red=0.0), None),
        ("RESCO grid4x4, all-red 2 s", dict(sumocfg=str(grid)), None),
        ("RESCO ingolstadt21, all-red 2 s", dict(sumocfg=str(ingolstadt)), None),
    ]
    results = [speed.bench_scenario(name, repeats=repeats, sumo_rl_python=py, **kwargs) for name, kwargs, py in runs]
    return speed.format_results(results), results


def scale_table(sizes: list[int]) -> tuple[str, list]:
    results = [scale.bench_size(n) for n in sizes]
    return scale.format_results(results), results


def rllib_experiment(resco: Path) -> Path:
    return REPO / "exp_configs" / ("resco_grid4x4.py" if (resco / "grid4x4").is_dir() else "grid4x4_shared.py")


def rllib_table(resco: Path, iterations: int) -> tuple[str, list]:
    experiment = rllib_experiment(resco)
    setups = [
        (0, {}),
        (2, {}),
        (2, {"minibatch_size": 1800}),
    ]  # today's default, both cores, both cores + larger minibatch
    results = [rllib_throughput.bench_rllib(experiment, n, iterations, training) for n, training in setups]
    return rllib_throughput.format_results(results), results


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", nargs="+", choices=["speed", "scale", "rllib"], default=["speed", "scale", "rllib"])
    parser.add_argument("--resco", type=Path, default=REPO.parent / "shared" / "scenarios" / "resco")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 32])
    parser.add_argument("--iterations", type=int, default=3)
    parser.add_argument("--sumo-rl-venv", type=Path, default=None)
    parser.add_argument("--page", type=Path, default=Path("docs/results/performance.md"), help="the generated page")
    parser.add_argument("--json", type=Path, default=Path("docs/results/performance.json"), help="its figures")
    args = parser.parse_args(argv)
    command = "flowlights benchmark performance " + " ".join(argv if argv is not None else sys.argv[1:])
    args.page.parent.mkdir(parents=True, exist_ok=True)
    if ("speed" in args.only or "rllib" in args.only) and not (args.resco / "grid4x4").is_dir():
        print(f"RESCO scenarios not found in {args.resco}; give --resco DIR", file=sys.stderr)
        if "speed" in args.only:
            return 2
    if "speed" in args.only:
        print("## Speed: random-action episodes beside plain sumo and sumo-rl\n")
        table, rows = speed_tables(args.resco, args.repeats, args.sumo_rl_venv or default_venv())
        print(table + "\n", flush=True)
        setup = SETUPS["speed"].format(repeats=args.repeats)
        write_part(args.page, args.json, "speed", command.strip(), setup, table, rows)
    if "scale" in args.only:
        print("## Scale: generated grids\n")
        table, rows = scale_table(args.sizes)
        print(table + "\n", flush=True)
        write_part(args.page, args.json, "scale", command.strip(), SETUPS["scale"], table, rows)
    if "rllib" in args.only:
        print("## RLlib training throughput\n")
        table, rows = rllib_table(args.resco, args.iterations)
        print(table + "\n", flush=True)
        setup = SETUPS["rllib"].format(experiment=rllib_experiment(args.resco).name, iterations=args.iterations)
        write_part(args.page, args.json, "rllib", command.strip(), setup, table, rows)
    print(f"wrote {args.page} and {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
