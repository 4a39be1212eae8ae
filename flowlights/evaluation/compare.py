"""``flowlights compare``: several evaluation folders in one table and one bar chart."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from flowlights.common.mpl import pyplot
from flowlights.errors import ConfigError
from flowlights.evaluation.episode import METRICS


def load_reports(folders: list[Path]) -> list[dict[str, Any]]:
    reports = []
    for folder in folders:
        path = Path(folder) / "metrics.json"
        if not path.is_file():
            raise ConfigError(
                f"{str(folder)!r} holds no metrics.json; give folders written by 'flowlights evaluate --out'."
            )
        reports.append(json.loads(path.read_text()))
    return reports


def label(report: dict[str, Any]) -> str:
    return f"{report['controller']} @ {Path(report['scenario']).stem}"


def compare_table(reports: list[dict[str, Any]]) -> str:
    width = max(len(label(r)) for r in reports)
    head = f"{'run':{width}s} " + " ".join(f"{m:>16s}" for m in METRICS)
    rows = [head]
    for r in reports:
        cells = " ".join(f"{r['summary'][m]['mean']:9.2f}±{r['summary'][m]['std']:<6.2f}" for m in METRICS)
        rows.append(f"{label(r):{width}s} {cells}")
    return "\n".join(rows)


def compare_chart(
    reports: list[dict[str, Any]],
    path: Path,
    metrics: tuple[str, ...] = ("mean_delay", "mean_travel_time", "mean_queue"),
) -> Path:
    """Bar chart, one panel per metric, one bar (mean ± std) per run."""
    plt = pyplot("bar charts")
    fig, axes = plt.subplots(1, len(metrics), figsize=(4.5 * len(metrics), 4), squeeze=False)
    names = [label(r) for r in reports]
    for ax, metric in zip(axes[0], metrics):
        means = [r["summary"][metric]["mean"] for r in reports]
        stds = [r["summary"][metric]["std"] for r in reports]
        ax.bar(range(len(reports)), means, yerr=stds, color=[f"C{i}" for i in range(len(reports))], capsize=3)
        ax.set_xticks(range(len(reports)), names, rotation=30, ha="right", fontsize=8)
        ax.set_title(metric)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
