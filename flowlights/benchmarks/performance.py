"""All of flowlights' speed and scale benchmarks, in one run, as the Markdown tables of docs/performance.md.

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
import sys
from pathlib import Path
from typing import Optional, Sequence

from flowlights.benchmarks import rllib_throughput, scale, speed
from flowlights.benchmarks.sumo_rl_reference import default_venv, sumo_rl_python

REPO = Path(__file__).resolve().parents[2]


def speed_tables(resco: Path, repeats: int, venv: Path) -> str:
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
    return speed.format_results(results)


def scale_table(sizes: list[int]) -> str:
    return scale.format_results([scale.bench_size(n) for n in sizes])


def rllib_table(resco: Path, iterations: int) -> str:
    experiment = REPO / "exp_configs" / ("resco_grid4x4.py" if (resco / "grid4x4").is_dir() else "grid4x4_shared.py")
    setups = [
        (0, {}),
        (2, {}),
        (2, {"minibatch_size": 1800}),
    ]  # today's default, both cores, both cores + larger minibatch
    return rllib_throughput.format_results(
        [rllib_throughput.bench_rllib(experiment, n, iterations, training) for n, training in setups]
    )


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", nargs="+", choices=["speed", "scale", "rllib"], default=["speed", "scale", "rllib"])
    parser.add_argument("--resco", type=Path, default=REPO.parent / "shared" / "scenarios" / "resco")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 32])
    parser.add_argument("--iterations", type=int, default=3)
    parser.add_argument("--sumo-rl-venv", type=Path, default=None)
    args = parser.parse_args(argv)
    if ("speed" in args.only or "rllib" in args.only) and not (args.resco / "grid4x4").is_dir():
        print(f"RESCO scenarios not found in {args.resco}; give --resco DIR", file=sys.stderr)
        if "speed" in args.only:
            return 2
    if "speed" in args.only:
        print("## Speed: random-action episodes beside plain sumo and sumo-rl\n")
        print(speed_tables(args.resco, args.repeats, args.sumo_rl_venv or default_venv()) + "\n", flush=True)
    if "scale" in args.only:
        print("## Scale: generated grids\n")
        print(scale_table(args.sizes) + "\n", flush=True)
    if "rllib" in args.only:
        print("## RLlib training throughput\n")
        print(rllib_table(args.resco, args.iterations) + "\n", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
