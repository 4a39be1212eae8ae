"""The comparison every training run ends with: the trained policy against every classical controller on the same
test seeds, seed by seed, with the paired difference to the best of them and its 95% interval.

Written as ``comparison.json``::

    {"scenario", "protocol", "training_seeds", "validation_seeds", "confirmation_seeds", "test_seeds",
     "controllers": {"trained": {"resco_delay": {"mean", "std", "episodes"}, "mean_delay": {...}, "lockups": N}, ...},
     "best_classical", "paired_difference": {"mean", "ci95"}}

``best_classical`` is the classical controller with the lowest mean resco_delay on the test seeds (the hardest
comparison: it is not a choice made for the policy); ``paired_difference`` is trained minus it, per seed.
"""

from __future__ import annotations

import json
import math
import statistics
from pathlib import Path
from typing import Any, Sequence

from flowlights.common.markdown import markdown_table

METRICS = ("resco_delay", "mean_delay")
# two-sided 95% quantiles of Student's t by degrees of freedom (1..30); the normal's 1.96 beyond
T95 = [
    12.706,
    4.303,
    3.182,
    2.776,
    2.571,
    2.447,
    2.365,
    2.306,
    2.262,
    2.228,
    2.201,
    2.179,
    2.160,
    2.145,
    2.131,
    2.120,
    2.110,
    2.101,
    2.093,
    2.086,
    2.080,
    2.074,
    2.069,
    2.064,
    2.060,
    2.056,
    2.052,
    2.048,
    2.045,
    2.042,
]


def t95(dof: int) -> float:
    return T95[dof - 1] if 1 <= dof <= len(T95) else 1.96


def paired_difference(a: Sequence[float], b: Sequence[float]) -> dict[str, Any]:
    """Mean of a - b seed by seed and its 95% confidence interval (Student's t)."""
    diffs = [x - y for x, y in zip(a, b, strict=True)]
    mean = statistics.fmean(diffs)
    half = t95(len(diffs) - 1) * statistics.stdev(diffs) / math.sqrt(len(diffs)) if len(diffs) > 1 else float("nan")
    return {"mean": mean, "ci95": [mean - half, mean + half]}


def controller_entry(report: dict[str, Any]) -> dict[str, Any]:
    """One controller's figures over the test seeds, from an evaluation report."""
    entry: dict[str, Any] = {}
    for metric in METRICS:
        values = [e[metric] for e in report["episodes"]]
        entry[metric] = {"mean": statistics.fmean(values), "std": statistics.pstdev(values), "episodes": values}
    entry["lockups"] = sum(int(e.get("lockup", 0)) for e in report["episodes"])
    return entry


def build_comparison(
    scenario: str,
    protocol: str,
    seeds: dict[str, Any],
    trained: dict[str, Any],
    classical: dict[str, dict[str, Any]],
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """comparison.json's content from the trained policy's and the classical controllers' test reports."""
    test = [e["seed"] for e in trained["episodes"]]
    for name, report in classical.items():
        if [e["seed"] for e in report["episodes"]] != test:
            raise ValueError(
                f"{name} was evaluated on other seeds than the trained policy: a paired comparison needs the same."
            )
    controllers = {"trained": controller_entry(trained)} | {name: controller_entry(r) for name, r in classical.items()}
    best = min(classical, key=lambda n: controllers[n]["resco_delay"]["mean"])
    return {
        "scenario": scenario,
        "protocol": protocol,
        **seeds,
        "test_seeds": test,
        "controllers": controllers,
        "best_classical": best,
        "paired_difference": paired_difference(
            controllers["trained"]["resco_delay"]["episodes"], controllers[best]["resco_delay"]["episodes"]
        ),
        **(extra or {}),
    }


def comparison_table(comparison: dict[str, Any]) -> str:
    """The comparison as a markdown table, best first, with each controller's difference to the trained policy."""
    controllers = comparison["controllers"]
    trained = controllers["trained"]["resco_delay"]["mean"]
    rows = []
    for name in sorted(controllers, key=lambda n: controllers[n]["resco_delay"]["mean"]):
        c = controllers[name]
        versus = "" if name == "trained" else f"{100 * (trained / c['resco_delay']['mean'] - 1):+.1f}%"
        rows.append(
            [
                name,
                f"{c['resco_delay']['mean']:.2f} ± {c['resco_delay']['std']:.2f}",
                f"{c['mean_delay']['mean']:.2f}",
                c["lockups"],
                versus,
            ]
        )
    diff = comparison["paired_difference"]
    low, high = diff["ci95"]
    seeds = comparison["test_seeds"]
    return "\n".join(
        [
            f"{comparison['scenario']}, protocol {comparison['protocol']}, test seeds {seeds[0]}..{seeds[-1]} "
            f"({len(seeds)} episodes; none used for a choice)",
            markdown_table(["controller", "resco_delay (s)", "mean_delay (s)", "lock-ups", "trained vs it"], rows),
            f"trained - {comparison['best_classical']} (best classical): {diff['mean']:+.2f} s per episode, "
            f"95% CI [{low:+.2f}, {high:+.2f}]",
        ]
    )


def write_comparison(comparison: dict[str, Any], run_dir: Path) -> Path:
    path = Path(run_dir) / "comparison.json"
    path.write_text(json.dumps(comparison, indent=2))
    return path
