"""Greedy control (RESCO's MAXWAVE): the green serving the most vehicles — queued and approaching —
within 50 m of the stop line on its movements' incoming lanes."""
from __future__ import annotations

import numpy as np

from flowlights.baselines.base import register_controller
from flowlights.baselines.movement_scores import MovementScoreController


@register_controller("greedy")
class Greedy(MovementScoreController):
    distance = 50.0

    def movement_scores(self, tls: str, near: np.ndarray, queued: np.ndarray) -> np.ndarray:
        return self.sum_in[tls] @ near
