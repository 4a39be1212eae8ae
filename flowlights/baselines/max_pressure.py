"""Max-pressure (Varaiya 2013), as RESCO implements it: a movement's pressure is the vehicles
queued on its incoming lanes (within 200 m of the stop line, RESCO's queue) minus those queued on
the lanes it feeds at the next controlled light; a green's pressure is the sum over the movements
it serves; after min green the light takes the green of highest pressure."""
from __future__ import annotations

import numpy as np

from flowlights.baselines.base import register_controller
from flowlights.baselines.movement_scores import MovementScoreController


@register_controller("max_pressure")
class MaxPressure(MovementScoreController):
    distance = 200.0

    @staticmethod
    def movement_scores(counts: dict[str, np.ndarray]) -> np.ndarray:
        return counts["in_queued"] - counts["fed_queued"]
