"""PNG plots of a results folder: learning curves of a training run, and per-light queue and
delay over time (heat maps) of an evaluation run."""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path
from typing import Optional

import numpy as np

from flowlights.common.mpl import pyplot
from flowlights.errors import ConfigError


def plot_learning_curve(run_dir: Path) -> Optional[Path]:
    """learning_curve.png: episode return and mean delay against environment steps."""
    try:
        plt = pyplot()
    except ConfigError:
        return None
    with open(run_dir / "progress.csv") as fh:
        rows = list(csv.DictReader(fh))
    steps = [int(r["env_steps"]) for r in rows]
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.5))
    for ax, key, title in (
        (axes[0], "episode_return_mean", "episode return (sum over lights)"),
        (axes[1], "mean_delay", "mean delay of finished trips (s)"),
    ):
        points = [(s, float(r[key])) for s, r in zip(steps, rows) if r[key] not in ("", None)]
        if points:
            ax.plot(*zip(*points))
        ax.set_xlabel("environment steps")
        ax.set_title(title)
    fig.tight_layout()
    path = run_dir / "learning_curve.png"
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def plot_validation_curve(path: Path, points: list[tuple[float, float]], levels: dict[str, float]) -> Optional[Path]:
    """The trained policy's validation resco_delay against minutes of training (``points``: the copy, then each
    checkpoint), with each classical controller's validation level (``levels``) as a horizontal line."""
    try:
        plt = pyplot()
    except ConfigError:
        return None
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.plot(*zip(*points), marker="o", color="black", label="trained (copy, then PPO checkpoints)")
    for k, (name, level) in enumerate(sorted(levels.items(), key=lambda item: item[1])):
        ax.axhline(
            level, linestyle="--", linewidth=1, color=f"C{k % 10}", label=f"{name} {level:.1f}"
        )  # off the axes if far above
    values = [p[1] for p in points]
    low, high = 0.95 * min(*values, *levels.values()), 1.3 * max(values)
    ax.set_ylim(low, high)  # where the policy is; controllers far above it are named in the legend only
    ax.set_xlabel("minutes of wall time (teacher choice and imitation included)")
    ax.set_ylabel("resco_delay on the validation seeds (s)")
    ax.legend(fontsize=7, loc="upper right")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def plot_heatmaps(trace_csv: Path, out: Path) -> Path:
    """One figure, two heat maps (lights x time): queue and delay rate."""
    plt = pyplot()
    series: dict[str, dict[float, tuple[float, float]]] = defaultdict(dict)
    with open(trace_csv) as fh:
        for row in csv.DictReader(fh):
            series[row["light"]][float(row["time"])] = (float(row["queue"]), float(row["delay_rate"]))
    lights = list(series)
    times = sorted({t for s in series.values() for t in s})
    if not lights or not times:
        raise ConfigError(f"{trace_csv} holds no rows.")
    fig, axes = plt.subplots(2, 1, figsize=(10, 1.5 + 0.35 * len(lights) * 2), sharex=True)
    for k, (ax, title) in enumerate(zip(axes, ("halting vehicles per light", "delay rate per light (veh)"))):
        grid = np.array([[series[light].get(t, (np.nan, np.nan))[k] for t in times] for light in lights])
        image = ax.imshow(
            grid,
            aspect="auto",
            interpolation="nearest",
            cmap="magma",
            extent=(times[0], times[-1], len(lights) - 0.5, -0.5),
        )
        ax.set_yticks(range(len(lights)), lights, fontsize=7)
        ax.set_title(title)
        fig.colorbar(image, ax=ax)
    axes[-1].set_xlabel("simulated time (s)")
    fig.tight_layout()
    fig.savefig(out, dpi=90)
    plt.close(fig)
    return out


def plot_results(folder: Path) -> list[Path]:
    """Everything there is to plot in a training or evaluation results folder."""
    folder = Path(folder)
    written = []
    if (folder / "progress.csv").is_file():
        written.append(plot_learning_curve(folder))
    for trace in sorted(folder.rglob("timeseries_seed*.csv")):
        written.append(plot_heatmaps(trace, folder / f"heatmap_{trace.stem.split('_')[-1]}.png"))
    if not written:
        raise ConfigError(
            f"nothing to plot in {str(folder)!r}: give a 'flowlights train' or 'flowlights evaluate --out' folder."
        )
    return [p for p in written if p]
