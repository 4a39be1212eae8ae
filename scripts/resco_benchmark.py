"""Reproduce RESCO's benchmark and train lights against it, in one resumable command.

    python scripts/resco_benchmark.py [--scenarios grid4x4 ...] [--minutes 90] [--seeds 0 1 2]
                                      [--protocol resco] [--baselines-only]

For every scenario: our max_pressure, greedy, program (the net's own program, RESCO's FIXED) and
fixed on evaluation seeds 100..104; then, with --minutes, one training per seed (PPO, shared policy;
see TRAINING_SETUP in flowlights/evaluation/resco_benchmark.py) evaluated greedily on the same
seeds. Finished cells are skipped (they are read back from the JSON), so the command can be run
again after a stop. Writes docs/resco_learning.json (protocol resco; other protocols:
docs/resco_learning_<protocol>.json) and the tables of docs/resco_benchmark.md.
RESCO's scenarios: ../shared/scenarios/resco or $FLOWLIGHTS_RESCO.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from flowlights.evaluation.resco_benchmark import baselines_table, learned_table, load_results, run_benchmark
from flowlights.evaluation.resco_reference import SCENARIOS
from flowlights.protocols import PROTOCOLS


def write_tables(results: dict, protocol: str, doc: Path, command: str) -> None:
    doc.write_text(f"""# RESCO benchmark: flowlights beside RESCO's published delays

Made by `{command}` (resumable; every figure is read from the JSON it writes). Delay is RESCO's
`resco_delay` (tripinfo timeLoss + departDelay, unfinished trips included, plus end − scheduled
departure for vehicles never inserted), SUMO 1.28, `--time-to-teleport -1`. See docs/results.md for
what the differences mean (SUMO version, detection) and what worked in training.

## Baselines

{baselines_table(results, protocol)}

## Learned lights

{learned_table(results, protocol)}
""")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenarios", nargs="+", default=list(SCENARIOS), choices=list(SCENARIOS))
    parser.add_argument("--protocol", default="resco", choices=list(PROTOCOLS))
    parser.add_argument("--minutes", type=float, default=None, help="training budget per scenario and seed (none: baselines only)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0], help="training seeds (default 0)")
    parser.add_argument("--num-env-runners", type=int, default=2)
    parser.add_argument("--runs", type=Path, default=Path("results/resco_benchmark"), help="run folders (not committed)")
    parser.add_argument("--json", type=Path, default=None, help="default docs/resco_learning.json (resco protocol)")
    parser.add_argument("--doc", type=Path, default=None, help="default docs/resco_benchmark.md (resco protocol)")
    args = parser.parse_args()
    suffix = "" if args.protocol == "resco" else f"_{args.protocol}"
    json_path = args.json or Path(f"docs/resco_learning{suffix}.json")
    doc = args.doc or Path(f"docs/resco_benchmark{suffix}.md")
    command = "python scripts/resco_benchmark.py " + " ".join(sys.argv[1:])
    started = time.time()

    def log(message: str) -> None:
        print(f"[{time.time() - started:6.0f} s] {message}", file=sys.stderr, flush=True)
        write_tables(load_results(json_path), args.protocol, doc, command.strip())

    results = run_benchmark(args.scenarios, args.protocol, json_path, args.runs, minutes=args.minutes, seeds=args.seeds,
                            num_env_runners=args.num_env_runners, log=log)
    write_tables(results, args.protocol, doc, command.strip())
    print(f"wrote {json_path} and {doc}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
