"""Choose a training run's checkpoint on validation seeds, never on the seeds it is reported on.

PPO can make a policy worse as it trains (a warm-started copy most of all: on RESCO ingolstadt21 the copy of greedy
was better than what 30 min of PPO made of it), and the last checkpoint is only the one the budget stopped at. Every
checkpoint a run saved (``checkpoints/iter_*``, the copy ``iter_000000`` included) is evaluated greedily on a few
validation episodes, and the one with the lowest mean delay is chosen. The validation seeds (200.. by default) are
disjoint from the held-out evaluation seeds (100..104), from the DAgger episodes (0..) and from the env runners'
training seeds (10,000 and up), so choosing on them says nothing about the held-out figure.
"""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import Any

from flowlights.errors import ConfigError
from flowlights.evaluation.evaluate import evaluate
from flowlights.training.checkpoints import run_checkpoints as saved_checkpoints
from flowlights.training.trained_policy import TrainedPolicy

VALIDATION_SEED = 200
HELD_OUT = range(100, 105)


def run_checkpoints(run: str | Path) -> list[Path]:
    """A run's checkpoints, oldest first (a ConfigError naming the folder when it has none)."""
    found = saved_checkpoints(Path(run))
    if not found:
        raise ConfigError(
            f"no checkpoint under {Path(run) / 'checkpoints'}: give a results folder of 'flowlights train'."
        )
    return found


def check_validation_seeds(seed: int, episodes: int) -> None:
    """Validation must not touch the held-out seeds the result is reported on."""
    if episodes < 1:
        raise ConfigError(f"validation episodes={episodes!r} must be >= 1.")
    overlap = sorted(set(range(seed, seed + episodes)) & set(HELD_OUT))
    if overlap:
        raise ConfigError(
            f"validation seeds {seed}..{seed + episodes - 1} include held-out seed(s) {overlap}: "
            f"choose a first validation seed of {HELD_OUT.stop} or more (default {VALIDATION_SEED})."
        )


def select_checkpoint(
    run: str | Path, episodes: int, seed: int = VALIDATION_SEED, metric: str = "resco_delay", log: Any = None
) -> dict[str, Any]:
    """Evaluate every checkpoint of ``run`` on seeds ``seed..seed+episodes-1`` (each scenario's own episode length,
    records under ``run/validation/<checkpoint>``) and choose the lowest mean ``metric`` (the earlier on a tie).

    Returns ``{"selected": name, "seeds": [...], "metric": metric, "scores": {name: mean}}``."""
    check_validation_seeds(seed, episodes)
    scores: dict[str, float] = {}
    for checkpoint in run_checkpoints(run):
        report = evaluate(
            None,
            TrainedPolicy(checkpoint),
            episodes=episodes,
            seed=seed,
            progress=False,
            out=Path(run) / "validation" / checkpoint.name,
        )
        scores[checkpoint.name] = statistics.fmean(e[metric] for e in report["episodes"])
        if log is not None:
            log(f"  validation {checkpoint.name}: {metric} {scores[checkpoint.name]:.2f}")
    return {
        "selected": min(scores, key=scores.__getitem__),
        "seeds": list(range(seed, seed + episodes)),
        "metric": metric,
        "scores": scores,
    }


__all__ = ["VALIDATION_SEED", "check_validation_seeds", "run_checkpoints", "select_checkpoint"]
