"""The score-and-switch rule of the classical controllers that score greens (greedy, max-pressure and their
gap-out and spill-back forms), kept here, below both the controllers and the observations, so that an observation
can say exactly what a controller would choose."""

from __future__ import annotations

import numpy as np


def choose_green(scores: np.ndarray, green: int, can_switch: bool, hold: float | None = None) -> int:
    """The green to show next: the current one until it may switch (min green), or while ``hold`` (a gap-out
    controller's extension sum of the current green's movements) is at least 1; then the best-scoring green,
    a tie keeping the current one."""
    if not can_switch or (hold is not None and hold >= 1.0):
        return green
    best = int(np.argmax(scores))
    return best if scores[best] > scores[green] else green
