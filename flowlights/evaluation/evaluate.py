"""``flowlights evaluate``: several episodes of one controller on one scenario, summarised and
written as metrics.json (means, stds, every episode, exact settings) and episodes.csv."""

from __future__ import annotations

import csv
import functools
import json
import tempfile
from pathlib import Path
from typing import Any, Optional

import numpy as np

from flowlights.baselines import make_controller
from flowlights.baselines.base import Controller
from flowlights.common.child_process import in_child
from flowlights.errors import ConfigError
from flowlights.evaluation.episode import METRICS, run_controller_episode
from flowlights.evaluation.tripinfo import PEDESTRIAN_METRICS
from flowlights.networks.network_file import SCENARIO_KEYS, scenario_keywords


def summarise(episodes: list[dict[str, float]]) -> dict[str, dict[str, float]]:
    """Mean and (population) std over episodes of each metric; NaN where an episode has none (an old SUMO)."""
    keys = [
        *METRICS,
        *(k for k in ("decisions", "green_changes", "lockup", *PEDESTRIAN_METRICS) if all(k in e for e in episodes)),
    ]
    return {
        key: {"mean": float(np.mean([e[key] for e in episodes])), "std": float(np.std([e[key] for e in episodes]))}
        for key in keys
    }


def evaluate(
    scenario: Optional[str],
    controller: str | Controller = "max_pressure",
    episodes: int = 1,
    seed: int = 0,
    out: Optional[Path] = None,
    progress: bool = True,
    record: bool = False,
    isolate: Optional[bool] = None,
    **env_kwargs: Any,
) -> dict[str, Any]:
    """Evaluate a controller (a name or a Controller) on seeds seed..seed+episodes-1.

    ``scenario`` None: a trained policy's own scenario (its experiment's files). ``record``: write
    what each episode did into ``out/sumo`` for ``flowlights movie``. ``isolate``: run each libsumo episode in a
    child process of its own, so that its figures depend on its seed alone (libsumo carries state from one
    simulation to the next in a process; ``flowlights.common.child_process``); the default isolates a controller
    given by name, and runs a Controller object here, where the caller can read what it did."""
    if episodes < 1:
        raise ConfigError(f"episodes={episodes!r} must be >= 1.")
    if record and out is None:
        raise ConfigError(
            "record=True (--record) writes the episode's record into the run folder: give out= (--out DIR)."
        )
    ctrl = make_controller(controller) if isinstance(controller, str) else controller
    own = getattr(ctrl, "scenario_kwargs", None)
    if scenario is None:
        if own is None:
            raise ConfigError("give --scenario (a bundled name, .sumocfg or folder) for a baseline controller.")
        where = {k: own[k] for k in SCENARIO_KEYS if k in own}
        scenario = str(next(iter(where.values())))
    else:
        where = scenario_keywords(scenario)
    if isolate is None:
        isolate = isinstance(controller, str)
    isolate = isolate and {**env_kwargs, **ctrl.env_overrides}.get("backend", "libsumo") == "libsumo"
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(out) if out else Path(tmp)
        for k in range(episodes):
            episode = functools.partial(
                run_controller_episode, ctrl, seed + k, workdir / "sumo", progress, record, **where, **env_kwargs
            )
            results.append(in_child(episode) if isolate else episode())
    report = {
        "controller": ctrl.name,
        "scenario": str(scenario),
        "protocol": {**env_kwargs, **ctrl.env_overrides}.get("protocol", "flowlights"),
        "settings": {"episodes": episodes, "seed": seed, **{k: v for k, v in env_kwargs.items()}, **ctrl.env_overrides},
        "summary": summarise(results),
        "episodes": results,
    }
    if out is not None:
        write_report(report, Path(out))
    return report


def write_report(report: dict[str, Any], out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "metrics.json").write_text(json.dumps(report, indent=2, default=str))
    with open(out / "episodes.csv", "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(report["episodes"][0]))
        writer.writeheader()
        writer.writerows(report["episodes"])


def format_report(report: dict[str, Any]) -> str:
    lines = [
        f"{report['controller']} on {report['scenario']} ({report['settings']['episodes']} episode(s), "
        f"protocol {report.get('protocol', 'flowlights')})"
    ]
    for key, stats in report["summary"].items():
        lines.append(f"  {key:18s} {stats['mean']:10.2f} ± {stats['std']:.2f}")
    return "\n".join(lines)
