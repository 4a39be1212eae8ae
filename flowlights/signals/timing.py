"""Signal timing rules converted to whole simulation steps, rounded up (never shorter)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional


def to_steps(seconds: float, step_length: float) -> int:
    """Whole steps covering ``seconds``; rounding up keeps every safety interval at least as long."""
    return max(0, math.ceil(seconds / step_length - 1e-9))


@dataclass(frozen=True)
class Timing:
    """Durations in simulation steps: yellow, all-red, min green, max green (None = unbounded), and the
    pedestrian clearance: from the end of a pedestrian crossing's green to the next green, at least."""

    yellow: int
    all_red: int
    min_green: int
    max_green: Optional[int]
    pedestrian_clearance: int = 0

    @classmethod
    def from_seconds(
        cls,
        yellow: float,
        all_red: float,
        min_green: float,
        max_green: Optional[float],
        step_length: float,
        pedestrian_clearance: float = 0.0,
    ) -> "Timing":
        return cls(
            max(1, to_steps(yellow, step_length)),
            to_steps(all_red, step_length),
            max(1, to_steps(min_green, step_length)),
            None if max_green is None else to_steps(max_green, step_length),
            to_steps(pedestrian_clearance, step_length),
        )
