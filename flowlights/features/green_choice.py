"""The score-and-switch rule of the classical controllers that score greens (greedy, max-pressure and their
gap-out and spill-back forms), kept here, below both the controllers and the observations, so that an observation
can say exactly what a controller would choose."""

from __future__ import annotations

import numpy as np

# greedy_clear holds a green while any vehicle is near on it, for at most this many seconds of green: the flowlights
# protocol's max green, and a limit of its own where a protocol has none (one busy approach would keep it for ever)
CLEAR_HOLD_LIMIT = 60.0


def choose_green(scores: np.ndarray, green: int, can_switch: bool, hold: float | None = None) -> int:
    """The green to show next: the current one until it may switch (min green), or while ``hold`` (a gap-out
    controller's extension sum of the current green's movements) is at least 1; then the best-scoring green,
    a tie keeping the current one."""
    if not can_switch or (hold is not None and hold >= 1.0):
        return green
    best = int(np.argmax(scores))
    return best if scores[best] > scores[green] else green


def hold_score(extension: float, time_in_green: float, hold_limit: float | None) -> float:
    """A gap-out controller's hold score for ``choose_green``: its extension sum while the green has run less than
    ``hold_limit`` seconds (None: no limit of its own, the protocol's max green ends it), else 0."""
    return extension if hold_limit is None or time_in_green < hold_limit else 0.0
