"""Trained policy against the baselines on the experiment's own scenario and the same seeds,
as a markdown section (used by examples/learning_demo.py)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Sequence

from flowlights.common.provenance import stamp
from flowlights.evaluation.evaluate import evaluate
from flowlights.networks.network_file import SCENARIO_KEYS
from flowlights.training.train import last_progress
from flowlights.training.trained_policy import TrainedPolicy

NOT_SHARED = SCENARIO_KEYS + ("seed", "tripinfo_output", "sumo_args")


def compare_with_baselines(
    run_dir: Path, baselines: Sequence[str], episodes: int, seed: int, out: Path
) -> dict[str, dict[str, Any]]:
    """Evaluate the trained policy and each baseline with the experiment's env settings."""
    policy = TrainedPolicy(run_dir)
    kwargs = policy.scenario_kwargs
    scenario = str(next(kwargs[k] for k in SCENARIO_KEYS if k in kwargs))
    shared = {k: v for k, v in kwargs.items() if k not in NOT_SHARED}
    reports = {"trained": evaluate(scenario, policy, episodes, seed, out / "trained", progress=False, **shared)}
    for name in baselines:
        reports[name] = evaluate(scenario, name, episodes, seed, out / name, progress=False, **shared)
    return reports


def training_minutes(run_dir: Path) -> float:
    """Wall-clock minutes of training, from the last row of progress.csv."""
    return float(last_progress(run_dir)["wall_seconds"]) / 60.0


def learning_section(tag: str, reports: dict[str, dict[str, Any]], run_dir: Path, command: str, curve: str) -> str:
    minutes = training_minutes(run_dir)
    steps = int(last_progress(run_dir)["env_steps"])
    fixed = reports.get("fixed", {}).get("summary", {}).get("mean_delay", {}).get("mean")
    lines = [
        f"<!-- learning:{tag} -->",
        f"## Learning: {tag}",
        "",
        f"`{command}` — PPO, {minutes:.1f} min of training ({steps} environment steps) on this 2-core machine; evaluated greedily on seeds "
        f"{reports['trained']['settings']['seed']}..{reports['trained']['settings']['seed'] + reports['trained']['settings']['episodes'] - 1} "
        "(not used in training) with the experiment's own settings, beside the baselines on the same seeds.",
        "",
        "| controller | mean_delay (s) | vs fixed | mean_travel_time (s) | mean_waiting_time (s) | throughput | resco_delay (s) |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, report in reports.items():
        s = report["summary"]
        versus = f"{100 * (s['mean_delay']['mean'] / fixed - 1):+.1f}%" if fixed else "–"
        lines.append(
            f"| {name} | {s['mean_delay']['mean']:.2f} ± {s['mean_delay']['std']:.2f} | {versus} | "
            f"{s['mean_travel_time']['mean']:.2f} | {s['mean_waiting_time']['mean']:.2f} | "
            f"{s['throughput']['mean']:.0f} | {s['resco_delay']['mean']:.2f} |"
        )
    lines += ["", f"Learning curve: ![{tag}]({curve})", "", stamp(), f"<!-- /learning:{tag} -->", ""]
    return "\n".join(lines)


GENERATED = (
    "# Results: {name}\n\nGenerated: each section below is written by the command it names; do not edit by hand.\n"
)


def put_section(doc: Path, tag: str, section: str, kind: str = "learning") -> None:
    """Insert or replace the section ``<!-- kind:tag -->...<!-- /kind:tag -->`` in ``doc`` (``section``
    carries the markers: see ``marked``); the rest of the file is kept as it is. A new page starts with a title and
    the note that it is generated."""
    text = doc.read_text() if doc.is_file() else GENERATED.format(name=doc.stem)
    pattern = re.compile(rf"<!-- {kind}:{re.escape(tag)} -->.*?<!-- /{kind}:{re.escape(tag)} -->\n?", re.S)
    text = pattern.sub(lambda _: section, text) if pattern.search(text) else text.rstrip() + "\n\n" + section
    doc.parent.mkdir(parents=True, exist_ok=True)
    doc.write_text(text)


def marked(kind: str, tag: str, body: str) -> str:
    """``body`` between the markers ``put_section`` finds again, ending with the date and machine."""
    return f"<!-- {kind}:{tag} -->\n{body.strip()}\n\n{stamp()}\n<!-- /{kind}:{tag} -->\n"
