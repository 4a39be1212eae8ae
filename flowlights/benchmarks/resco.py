"""Reproduce RESCO's benchmark and train lights against it, in one resumable command.

    flowlights benchmark resco [--scenarios grid4x4 ...] [--minutes 90] [--seeds 0 1 2]
                                      [--protocol resco|flowlights]

For every scenario: our max_pressure, greedy, program (the net's own program, RESCO's FIXED) and
fixed (and SUMO's actuated under protocols other than resco) on evaluation seeds 100..104; then, with --minutes, one training per seed (PPO, shared policy;
see TRAINING_SETUP in flowlights/evaluation/resco_benchmark.py) evaluated greedily on the same
seeds. Finished cells are skipped (they are read back from the JSON), so the command can be run
again after a stop. ``--sumo-home DIR`` runs the baselines, and the policies trained here (their run folders on
this machine), on another SUMO (RESCO tested 1.9.1:
``python3 -m venv /tmp/sumo19 && /tmp/sumo19/bin/pip install eclipse-sumo==1.9.1``, then
``--sumo-home /tmp/sumo19/lib/python3.11/site-packages/sumo``). Writes docs/results/resco.json (protocol resco; other protocols:
docs/results/resco_<protocol>.json) and its tables as a section of docs/results/resco.md.
RESCO's scenarios: ../shared/scenarios/resco or $FLOWLIGHTS_RESCO.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Optional, Sequence

from flowlights.benchmarks.resco_cells import (
    baselines_table,
    learned_table,
    learned_vs_ours_table,
    load_results,
    run_benchmark,
)
from flowlights.benchmarks.resco_reference import SCENARIOS
from flowlights.errors import FlowlightsError
from flowlights.evaluation.learning_report import marked, put_section
from flowlights.params.protocols import PROTOCOLS


def other_sumo_label(home: Path) -> str:
    """Point flowlights at another SUMO installation (RESCO tested 1.9.0/1.9.1) and name it."""
    os.environ["SUMO_HOME"] = str(home)
    version = subprocess.run([str(home / "bin" / "sumo"), "--version"], capture_output=True, text=True).stdout.split()
    return "sumo " + next((w for w in version if w[:1].isdigit()), "?")


def other_sections(results: dict, protocol: str) -> str:
    labels = sorted({key for entry in results.values() for key in entry if key.startswith("sumo ")})
    return "".join(
        f"\n### Baselines on {label} (RESCO's SUMO), through TraCI\n\n{baselines_table(results, protocol, label)}\n"
        + (
            f"\n### Learned lights on {label}\n\n{learned_table(results, protocol, label)}\n"
            if any("trained" in entry.get(label, {}) for entry in results.values())
            else ""
        )
        for label in labels
    )


def write_tables(results: dict, protocol: str, doc: Path) -> None:
    made_by = f"""Made by `flowlights benchmark resco --protocol {protocol} [--scenarios ...] [--minutes M] [--seeds ...]`,
run as often as needed (resumable: each run adds the cells it finished; every figure is read from the JSON it
writes; each training's budget is in its row). Delay is RESCO's
`resco_delay` (tripinfo timeLoss + departDelay, unfinished trips included, plus end − scheduled
departure for vehicles never inserted), SUMO 1.28, `--time-to-teleport -1`."""
    if protocol == "resco":
        body = f"""## RESCO benchmark under protocol `resco`: flowlights beside RESCO's published delays

{made_by} "Reproducing RESCO" above says
what the differences mean (SUMO version, detection) and what worked in training.

### Baselines

{baselines_table(results, protocol)}
{other_sections(results, protocol)}
### Learned lights

{learned_table(results, protocol)}
"""
    else:
        body = f"""## RESCO's scenarios under protocol `{protocol}`: learned lights beside our baselines

{made_by} RESCO published nothing under this protocol, so the
learner is measured against our own max_pressure and SUMO's actuated control on the same seeds.

{learned_vs_ours_table(results, protocol)}
"""
    put_section(doc, protocol, marked("resco-benchmark", protocol, body), kind="resco-benchmark")


def setup_changes(text: str, parser: argparse.ArgumentParser) -> dict:
    """--setup's changes: the JSON given (it starts with '{', whatever its length), or the JSON file it names."""
    if text.lstrip().startswith("{"):
        source = text
    elif Path(text).is_file():
        source = Path(text).read_text()
    else:
        parser.error(f"--setup {text!r}: no such file, and not JSON (a JSON object starts with '{{')")
    try:
        changes = json.loads(source)
    except json.JSONDecodeError as error:
        parser.error(f"--setup {text!r}: neither a JSON file nor JSON ({error})")
    if not isinstance(changes, dict):
        parser.error(f"--setup {text!r}: give a JSON object such as '{{\"env\": {{\"reward\": \"zone_queue_held\"}}}}'")
    return changes


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenarios", nargs="+", default=list(SCENARIOS), choices=list(SCENARIOS))
    parser.add_argument("--protocol", default="resco", choices=list(PROTOCOLS))
    parser.add_argument(
        "--minutes", type=float, default=None, help="training budget per scenario and seed (none: baselines only)"
    )
    parser.add_argument("--seeds", type=int, nargs="+", default=[0], help="training seeds (default 0)")
    parser.add_argument(
        "--retrain",
        action="store_true",
        help="train the given seeds again where they have a result (the earlier one is kept under "
        "'trained_earlier' in the JSON)",
    )
    parser.add_argument(
        "--resume",
        type=Path,
        default=None,
        help="a stopped training run (results/resco_benchmark/<scenario>/...) of the one scenario and seed "
        "given: continue it up to --minutes in all, then evaluate",
    )
    parser.add_argument(
        "--imitate",
        default=None,
        metavar="CONTROLLER",
        help="each training starts as a copy of this controller (e.g. greedy; flowlights train --imitate); "
        "a seed trained without it is trained again, the earlier result kept",
    )
    parser.add_argument(
        "--imitate-rounds",
        type=int,
        default=0,
        metavar="N",
        help="then N DAgger rounds: the copy drives an episode, the controller labels the states it reaches, "
        "the copy is fitted again (flowlights train --imitate-rounds)",
    )
    parser.add_argument(
        "--select-checkpoint",
        type=int,
        default=0,
        metavar="N",
        help="report each run's checkpoint (the copy iter_000000 included) that does best on N validation "
        "episodes (seeds 200.., apart from the held-out 100..104), not its last; runs trained before "
        "with the same set-up are given it without training again",
    )
    parser.add_argument(
        "--setup",
        default=None,
        metavar="JSON",
        help="changes to each scenario's own training set-up, as JSON or a JSON file, e.g. "
        "'{\"env\": {\"reward\": \"zone_queue_held\"}, \"training\": {\"lr\": 1e-4}}' (env and training "
        "merged key by key); a seed trained without them is trained again, the earlier result kept",
    )
    parser.add_argument("--num-env-runners", type=int, default=2)
    parser.add_argument(
        "--runs", type=Path, default=Path("results/resco_benchmark"), help="run folders (not committed)"
    )
    parser.add_argument("--json", type=Path, default=None, help="default docs/results/resco.json (resco protocol)")
    parser.add_argument(
        "--doc", type=Path, default=Path("docs/results/resco.md"), help="where the tables go (a section of it)"
    )
    parser.add_argument(
        "--sumo-home",
        type=Path,
        default=None,
        help="run the baselines and the trained policies on another SUMO installation (e.g. 1.9.1, RESCO's) through "
        "TraCI; no training",
    )
    args = parser.parse_args(argv)
    changes = setup_changes(args.setup, parser) if args.setup else None
    suffix = "" if args.protocol == "resco" else f"_{args.protocol}"
    json_path = args.json or Path(f"docs/results/resco{suffix}.json")
    doc = args.doc
    started = time.time()

    def log(message: str) -> None:
        print(f"[{time.time() - started:6.0f} s] {message}", file=sys.stderr, flush=True)
        write_tables(load_results(json_path), args.protocol, doc)

    other = other_sumo_label(args.sumo_home) if args.sumo_home else None
    if args.resume and (len(args.scenarios) != 1 or len(args.seeds) != 1 or args.minutes is None):
        parser.error("--resume continues one run: give exactly one --scenarios, one --seeds and --minutes")
    try:
        results = run_benchmark(
            args.scenarios,
            args.protocol,
            json_path,
            args.runs,
            minutes=None if other else args.minutes,
            seeds=args.seeds,
            num_env_runners=args.num_env_runners,
            log=log,
            other_sumo=other,
            retrain=args.retrain or args.resume is not None,
            resume=args.resume,
            imitate=args.imitate,
            changes=changes,
            imitate_rounds=args.imitate_rounds,
            select_episodes=args.select_checkpoint,
        )
    except FlowlightsError as error:  # a bad set-up, scenario or run: its message names it and the fix
        print(f"resco_benchmark.py: error: {error}", file=sys.stderr)
        return 2
    write_tables(results, args.protocol, doc)
    print(f"wrote {json_path} and {doc}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
