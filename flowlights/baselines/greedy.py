"""Greedy control (RESCO's MAXWAVE): the green serving the most vehicles — queued and approaching —
within 50 m of the stop line on its movements' incoming lanes."""

from __future__ import annotations

import numpy as np

from flowlights.baselines.base import register_controller
from flowlights.baselines.movement_scores import MovementScoreController
from flowlights.features.green_choice import CLEAR_HOLD_LIMIT


@register_controller("greedy")
class Greedy(MovementScoreController):
    distance = 50.0

    @staticmethod
    def movement_scores(counts: dict[str, np.ndarray]) -> np.ndarray:
        return counts["in_near"]


@register_controller("greedy_spillback")
class GreedySpillback(Greedy):
    """Greedy that keeps junctions clear of spill-back: a movement whose exit is full (a lane it leads into
    holds ``lane_room`` vehicles) counts its vehicles against a green instead of for it, so a light prefers
    a green that does not send vehicles into a full lane, where they would stop inside the junction, block
    the crossing traffic and, with no teleporting, lock the network up (RESCO's ingolstadt21)."""

    spillback = True

    @staticmethod
    def movement_scores(counts: dict[str, np.ndarray]) -> np.ndarray:
        return np.where(counts["out_full"] > 0, -counts["in_near"], counts["in_near"])


@register_controller("greedy_gap")
class GreedyGapOut(Greedy):
    """Greedy with actuated control's gap-out, on greedy's 50 m: after min green the light keeps its green while a
    vehicle that has not stopped is approaching on it within 50 m (about one 5 s decision away at city speeds), and
    only then takes the green serving the most vehicles. Actuated control ends a green when the gap behind its last
    vehicle opens; deciding every few seconds, this is the nearest a rule can come (bundled grid2x2, protocol
    flowlights, validation seeds 200-202: 45.4 s mean_delay, greedy 64.5, max_pressure_gap 56.8, actuated 41.4)."""

    @staticmethod
    def extension(counts: dict[str, np.ndarray]) -> np.ndarray:
        return counts["in_near"] - counts["in_queued"]


@register_controller("greedy_clear")
class GreedyClear(Greedy):
    """Greedy that clears the green it shows: after min green the light keeps its green while any vehicle, queued or
    moving, is within 50 m on it — for at most 60 s of green (the flowlights protocol's max green; a protocol with
    none would otherwise let one busy approach keep it for ever) — and only then takes the green serving the most
    vehicles. Clearing a queue before paying a switch's yellow and all-red is what actuated control does; where
    decisions come every 5 s it does better than gap-out alone (bundled grid2x2, protocol flowlights, validation
    seeds 200-204: resco_delay 43.03 s, greedy_gap 46.87, actuated 43.53)."""

    hold_limit = CLEAR_HOLD_LIMIT

    @staticmethod
    def extension(counts: dict[str, np.ndarray]) -> np.ndarray:
        return counts["in_near"]
