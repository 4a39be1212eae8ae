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


@register_controller("max_pressure_gap")
class MaxPressureGapOut(MaxPressure):
    """Max-pressure with actuated control's gap-out: after min green the light keeps its green while a
    vehicle that has not stopped is still approaching on it within 200 m (RESCO's ``approach``), and
    only then takes the green of highest pressure; max green still ends a green. Switching costs a
    yellow (and an all-red): on a saturated arterial, plain max-pressure switches away from a platoon
    still arriving and loses that time on every change."""

    @staticmethod
    def extension(counts: dict[str, np.ndarray]) -> np.ndarray:
        return counts["in_near"] - counts["in_queued"]
