"""Markdown tables of evaluation reports: one table per metric, scenarios as columns and
controllers as rows (the layout of the RESCO paper)."""

from __future__ import annotations

from typing import Any, Sequence

from flowlights.evaluation.episode import METRICS


def metric_table(
    reports: dict[tuple[str, str], dict[str, Any]], controllers: Sequence[str], scenarios: Sequence[str], metric: str
) -> str:
    """``reports[(controller, scenario)]`` -> a markdown table of ``metric`` (mean ± std)."""
    lines = ["| controller | " + " | ".join(scenarios) + " |", "|---|" + "---|" * len(scenarios)]
    for controller in controllers:
        cells = []
        for scenario in scenarios:
            report = reports.get((controller, scenario))
            if report is None:
                cells.append("–")
            else:
                stats = report["summary"][metric]
                cells.append(f"{stats['mean']:.2f} ± {stats['std']:.2f}")
        lines.append(f"| {controller} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def results_markdown(
    reports: dict[tuple[str, str], dict[str, Any]], controllers: Sequence[str], scenarios: Sequence[str], preamble: str
) -> str:
    parts = [preamble.rstrip(), ""]
    for metric in METRICS:
        parts += [f"### {metric}", "", metric_table(reports, controllers, scenarios, metric), ""]
    return "\n".join(parts)
