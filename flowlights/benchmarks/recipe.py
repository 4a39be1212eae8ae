"""The training recipe on many networks, resumable: one cell per (protocol, scenario, training seed), each a
``run_recipe`` whose comparison joins a JSON file as soon as it completes (a stopped run resumes at the first
missing cell), and a results page generated from that JSON only.

    flowlights benchmark recipe --protocol resco --scenarios resco:grid4x4 --seeds 0 1 2 \\
        --minutes 30 --results docs/results/recipe.json --page docs/results/recipe.md
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Optional, Sequence

from flowlights.benchmarks.resco_cells import load_results, save_results
from flowlights.benchmarks.resco_reference import PUBLISHED, best_learner
from flowlights.common.markdown import markdown_table
from flowlights.common.provenance import stamp
from flowlights.errors import ConfigError
from flowlights.evaluation.comparison import paired_difference
from flowlights.evaluation.recipe_run import retest, run_recipe, scenario_tag
from flowlights.training.recipe import VERSION

RESCO_CLASSICAL = ("FIXED", "MAXWAVE", "MAXPRESSURE")
FIRST_VERSION = "2026-12-04"  # results of the first recipe did not record its version
GUARDED_CHOICE = "2026-12-05c"  # from this version a checkpoint replaces the copy only beyond validation noise
SIGN_TEST_CHOICE = "2026-12-05d"  # ... judged by a sign test (a paired t interval before)
CONFIRMED_CHOICE = "2026-12-06b"  # from this version the best checkpoint duels the copy on fresh validation seeds
PRIOR_COPY = "2026-12-07"  # from this version the teacher's choice leads the policy's logits: the copy is exact
RANKED_DUEL = "2026-12-07b"  # from this version the duel is won only beyond noise (a signed-rank test)


def recipe_version(comparison: dict[str, Any]) -> str:
    """The recipe a run's comparison came from (``flowlights.training.recipe.VERSION`` when it ran)."""
    return str(comparison.get("recipe", {}).get("version", FIRST_VERSION))


def versions(data: dict[str, Any]) -> list[str]:
    return sorted({recipe_version(r) for e in data.values() for r in e.get("per_seed", {}).values()})


def check_same_recipe(data: dict[str, Any], comparison: dict[str, Any], results: Path) -> None:
    """One results file holds one recipe's runs: a table never averages two recipes."""
    ran = recipe_version(comparison)
    other = [v for v in versions(data) if v != ran]
    if other:
        raise ConfigError(
            f"{results} holds results of the recipe of {', '.join(other)}, this run is of the recipe of {ran}: "
            "give another --results (and --page) for it."
        )


def cell_key(protocol: str, scenario: str) -> str:
    return f"{protocol}/{scenario_tag(scenario)}"


def protocol_keys(data: dict[str, Any], protocol: str) -> list[str]:
    """The cells of ``protocol`` in the results, sorted by scenario."""
    return sorted(k for k in data if k.startswith(f"{protocol}/"))


def run_cells(
    protocol: str,
    scenarios: Sequence[str],
    seeds: Sequence[int],
    minutes: float,
    runs: Path,
    results: Path,
    page: Optional[Path] = None,
    command: str = "",
) -> None:
    """Every missing cell, in order; after each, the JSON and the page are written again."""
    for scenario in scenarios:
        for seed in seeds:
            data = load_results(results)
            entry = data.get(cell_key(protocol, scenario), {})
            if str(seed) in entry.get("per_seed", {}):
                continue
            print(f"== {protocol} {scenario} training seed {seed} ({minutes:g} min)", file=sys.stderr, flush=True)
            run = run_recipe(scenario, minutes, protocol=protocol, training_seed=seed, out=runs, progress=False)
            comparison = json.loads((run / "comparison.json").read_text())
            data = load_results(results)  # what another run wrote meanwhile is kept
            check_same_recipe(data, comparison, results)
            entry = data.setdefault(
                cell_key(protocol, scenario), {"scenario": scenario, "protocol": protocol, "per_seed": {}}
            )
            entry["per_seed"][str(seed)] = {**comparison, "run": run.name, "date": time.strftime("%Y-%m-%d")}
            entry["command"] = command
            save_results(data, results)
            if page is not None:
                write_page(data, page)


def add_run(run: Path, results: Path, page: Optional[Path] = None, command: str = "") -> str:
    """Record a finished ``flowlights train --scenario`` run (its comparison.json) as a cell: the run as it was, with
    the command that made it; returns the cell's key."""
    comparison = json.loads((Path(run) / "comparison.json").read_text())
    seed = comparison["training_seeds"]["seed"]
    data = load_results(results)
    check_same_recipe(data, comparison, results)
    key = cell_key(comparison["protocol"], comparison["scenario"])
    entry = data.setdefault(
        key, {"scenario": comparison["scenario"], "protocol": comparison["protocol"], "per_seed": {}}
    )
    entry["per_seed"][str(seed)] = {**comparison, "run": Path(run).name, "date": time.strftime("%Y-%m-%d")}
    entry["command"] = command or entry.get("command", "")
    save_results(data, results)
    if page is not None:
        write_page(data, page)
    return key


def summarise_cell(entry: dict[str, Any]) -> dict[str, Any]:
    """Over the training seeds: the trained policy's mean per test episode (paired with every classical controller on
    the same episodes), each classical controller's mean, the best of them, lock-ups and minutes to beat it."""
    runs = [entry["per_seed"][k] for k in sorted(entry["per_seed"], key=int)]
    first = runs[0]
    trained_episodes = [
        statistics.fmean(values)
        for values in zip(*(r["controllers"]["trained"]["resco_delay"]["episodes"] for r in runs))
    ]
    classical = {name: c["resco_delay"]["episodes"] for name, c in first["controllers"].items() if name != "trained"}
    best = min(classical, key=lambda n: statistics.fmean(classical[n]))
    per_seed_means = [r["controllers"]["trained"]["resco_delay"]["mean"] for r in runs]
    to_beat = [r["recipe"]["minutes_to_beat_best_classical_on_validation"] for r in runs]
    return {
        "trained": statistics.fmean(trained_episodes),
        "trained_std_over_seeds": statistics.pstdev(per_seed_means) if len(runs) > 1 else 0.0,
        "per_seed": per_seed_means,
        "classical": {n: statistics.fmean(v) for n, v in classical.items()},
        "best_classical": best,
        "paired": paired_difference(trained_episodes, classical[best]),
        "lockups_trained": statistics.fmean(r["controllers"]["trained"]["lockups"] for r in runs),
        "lockups_best": first["controllers"][best]["lockups"],
        "teachers": [r["recipe"]["teacher"] for r in runs],
        "minutes_to_beat": to_beat,
        "wall_minutes": [r["recipe"]["wall_minutes"] for r in runs],
        "budget": first["recipe"]["budget_minutes"],
        "seeds": first,
    }


def _fmt(value: Optional[float]) -> str:
    return "–" if value is None else f"{value:.2f}"


def table_rows(data: dict[str, Any], protocol: str) -> tuple[list[str], list[list[str]]]:
    header = [
        "scenario",
        "trained (mean over training seeds)",
        "training seeds",
        "best classical (ours)",
        "trained vs it",
        "paired diff. 95% CI",
        "lock-ups trained / best",
        "RESCO best classical",
        "RESCO best learner",
        "teacher",
        "minutes to beat best classical (validation)",
        "recipe wall time (min)",
    ]
    rows = []
    for key in protocol_keys(data, protocol):
        s = summarise_cell(data[key])
        name = key.split("/", 1)[1]
        low, high = s["paired"]["ci95"]
        resco = PUBLISHED.get(name)
        resco_classical = min((resco[n], n) for n in RESCO_CLASSICAL if n in resco) if resco else None
        learner = best_learner(name) if resco else None
        best = s["best_classical"]
        rows.append(
            [
                name,
                f"{s['trained']:.2f}" + (f" ± {s['trained_std_over_seeds']:.2f}" if len(s["per_seed"]) > 1 else ""),
                str(len(s["per_seed"])),
                f"{best} {s['classical'][best]:.2f}",
                f"{100 * (s['trained'] / s['classical'][best] - 1):+.1f}%",
                f"[{low:+.2f}, {high:+.2f}]",
                f"{s['lockups_trained']:g} / {s['lockups_best']}",
                f"{resco_classical[1]} {resco_classical[0]:.2f}" if resco_classical else "–",
                f"{learner[0]} {learner[1]:.2f}" if learner else "–",
                ", ".join(sorted(set(s["teachers"]))),
                ", ".join(_fmt(m) for m in s["minutes_to_beat"]),
                ", ".join(_fmt(m) for m in s["wall_minutes"]),
            ]
        )
    return header, rows


def classical_table(data: dict[str, Any], protocol: str) -> str:
    keys = protocol_keys(data, protocol)
    if not keys:
        return ""
    names = sorted({n for k in keys for n in summarise_cell(data[k])["classical"]})
    rows = []
    for key in keys:
        s = summarise_cell(data[key])
        rows.append([key.split("/", 1)[1], f"{s['trained']:.2f}", *(_fmt(s["classical"].get(n)) for n in names)])
    return markdown_table(["scenario", "trained", *names], rows)


def write_page(data: dict[str, Any], page: Path) -> None:
    """The results page: the command, the set-up, the tables, the dates — generated from the JSON alone."""
    observed = (
        "every controller's per-green scores"
        if versions(data) == [FIRST_VERSION]
        else "every controller's per-green scores and the green each would choose"
    )
    latest = max(versions(data), default=VERSION)
    if latest < GUARDED_CHOICE:
        chosen = "the best is kept"
    elif latest < SIGN_TEST_CHOICE:
        chosen = (
            "the copy is kept unless a checkpoint beats it there seed by seed with a paired 95% interval below zero "
            "(then the best of those)"
        )
    elif latest < CONFIRMED_CHOICE:
        chosen = (
            "the copy is kept unless a checkpoint beats it on so many of the seeds that a one-sided sign test puts "
            "the chance of that below 5% (on 5 seeds: all 5; then the best of those)"
        )
    elif latest < RANKED_DUEL:
        chosen = (
            "the checkpoint with the lowest mean there, if lower than the copy's, replaces the copy when its mean is "
            "lower on 10 fresh validation seeds too (205-214, a duel no other choice looked at)"
        )
    else:
        chosen = (
            "the checkpoint with the lowest mean there, if lower than the copy's, replaces the copy when its mean is "
            "lower on 10 fresh validation seeds too (205-214, a duel no other choice looked at) and a one-sided "
            "Wilcoxon signed-rank test over them says it is better at 5%"
        )
    duel = " and 205-214 for the duel" if latest >= CONFIRMED_CHOICE else ""
    copies = (
        "starts as the teacher exactly (the teacher's choice leads its logits) and is fitted to it"
        if latest >= PRIOR_COPY
        else "copies it"
    )
    lines = [
        f"# Results: the training recipe of {', '.join(versions(data)) or VERSION}",
        "",
        f"Generated by `flowlights benchmark recipe` from `{page.with_suffix('.json').name}`; do not edit by hand.",
        "",
        "**Set-up.** One recipe for every network (`flowlights.training.recipe`): the classical controllers on the "
        f"validation seeds choose the teacher (the best one a policy can copy); one shared policy {copies} "
        f"(behaviour cloning, then DAgger rounds) while observing {observed}; PPO "
        "fine-tunes it; the copy and the PPO checkpoints are evaluated on the validation seeds and "
        f"{chosen}. Budget per training seed: the minutes below, teacher choice, imitation, PPO and checkpoint "
        "choice included, on a 2-core machine (each run's own wall time is in the table). Seeds: training (SUMO "
        "seeds from 1000 per training seed), "
        f"validation 200-204{duel} (every choice), test 100-119 (only these figures). Figures are resco_delay in s "
        "(RESCO's delay, lower is better) on the 20 test episodes; the trained figure is the mean over training "
        "seeds; the paired difference is trained minus our best classical controller, episode by episode, with "
        "Student's t 95% interval. A lock-up is an episode with 300 s of simulated time in which vehicles were "
        "in the network and none arrived (`flowlights.evaluation.lockup`). RESCO's figures are its published "
        "ones (best classical: the lowest of FIXED, MAXWAVE, MAXPRESSURE; best learner: its best episode).",
        "",
    ]
    for protocol in sorted({k.split("/", 1)[0] for k in data}):
        header, rows = table_rows(data, protocol)
        entries = [data[k] for k in protocol_keys(data, protocol)]
        dates = sorted({r["date"] for e in entries for r in e["per_seed"].values()})
        budgets = sorted({r["recipe"]["budget_minutes"] for e in entries for r in e["per_seed"].values()})
        commands = sorted({e.get("command", "") for e in entries} - {""})
        lines += [
            f"## Protocol {protocol}",
            "",
            f"Budget {', '.join(f'{b:g}' for b in budgets)} min per training seed; run {dates[0]}"
            + (f" to {dates[-1]}" if dates[-1] != dates[0] else "")
            + ".",
            "",
        ]
        lines += [f"Command: `{c}`" for c in commands] + ([""] if commands else [])
        retested = [
            f"{k.split('/', 1)[1]} seed {seed} ({r['retested']})"
            for k in protocol_keys(data, protocol)
            for seed, r in sorted(data[k]["per_seed"].items())
            if r.get("retested")
        ]
        if retested:
            lines += [
                "Test comparison made again from the run's own record, each episode in a process of its own (its "
                f"first run shared libsumo processes between episodes): {', '.join(retested)}.",
                "",
            ]
        lines += [
            markdown_table(header, rows),
            "",
            "Every classical controller on the same test episodes:",
            "",
            classical_table(data, protocol),
            "",
        ]
    if not data:
        lines += ["No results yet.", ""]
    lines += [stamp(), ""]
    page.parent.mkdir(parents=True, exist_ok=True)
    page.write_text("\n".join(lines))


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="flowlights benchmark recipe", description=__doc__.split("\n")[0])
    parser.add_argument("--protocol", default="flowlights")
    parser.add_argument(
        "--scenarios", nargs="+", default=[], help="bundled names, resco:NAME, folders or .sumocfg files"
    )
    parser.add_argument(
        "--add",
        type=Path,
        default=None,
        metavar="RUN",
        help="instead of training: record a finished 'flowlights train --scenario' run as its cell",
    )
    parser.add_argument("--add-command", default="", help="with --add: the command that made the run")
    parser.add_argument(
        "--retest",
        action="store_true",
        help="with --add: first make the run's test comparison again (the same chosen policy and seeds), each "
        "episode in a fresh process",
    )
    parser.add_argument("--seeds", type=int, nargs="+", default=[0], help="training seeds (default 0)")
    parser.add_argument("--minutes", type=float, default=30.0, help="budget per training seed (default 30)")
    parser.add_argument("--runs", type=Path, default=Path("results/recipe_benchmark"), help="where the runs go")
    parser.add_argument("--results", type=Path, default=Path("docs/results/recipe.json"))
    parser.add_argument("--page", type=Path, default=Path("docs/results/recipe.md"))
    args = parser.parse_args(argv)
    if args.retest and args.add is None:
        parser.error("--retest needs --add RUN: the run whose test comparison to make again")
    if args.add is not None:
        if args.retest:
            retest(args.add)
        print(f"recorded {args.add} as {add_run(args.add, args.results, args.page, args.add_command)}")
        return 0
    if not args.scenarios:
        parser.error("give --scenarios to run, or --add RUN to record a finished run")
    command = (  # what reproduces the figures; where the runs and files go is the caller's
        f"flowlights benchmark recipe --protocol {args.protocol} --scenarios "
        f"{' '.join(args.scenarios)} --seeds {' '.join(map(str, args.seeds))} --minutes {args.minutes:g}"
    )
    run_cells(args.protocol, args.scenarios, args.seeds, args.minutes, args.runs, args.results, args.page, command)
    write_page(load_results(args.results), args.page)
    return 0


if __name__ == "__main__":
    sys.exit(main())


__all__ = ["add_run", "run_cells", "summarise_cell", "write_page"]
