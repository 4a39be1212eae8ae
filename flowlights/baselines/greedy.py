"""Greedy control (RESCO's MAXWAVE): the green serving the most vehicles — queued and approaching —
within 50 m of the stop line on its movements' incoming lanes."""
from __future__ import annotations

import numpy as np

from flowlights.baselines.base import register_controller
from flowlights.baselines.movement_scores import MovementScoreController


@register_controller("greedy")
class Greedy(MovementScoreController):
    distance = 50.0

    @staticmethod
    def movement_scores(counts: dict[str, np.ndarray]) -> np.ndarray:
        return counts["in_near"]
