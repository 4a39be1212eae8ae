"""Reads SUMO lane-area detectors (E2) and sums them per watched lane: vehicles and halting vehicles
a camera covering each incoming lane would report (``flowlights.networks.detectors`` places them)."""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np


class DetectorReader:
    """``by_lane``: watched lane -> ids of the detectors that end on it; ``lanes``: the sensor's lane order
    (rows of the arrays ``read`` returns; lanes without a detector read NaN)."""

    def __init__(self, by_lane: Mapping[str, Sequence[str]], lanes: Sequence[str]) -> None:
        index = {lane: i for i, lane in enumerate(lanes)}
        self.size = len(lanes)
        self.pairs = [(index[lane], det) for lane, dets in by_lane.items() for det in dets]
        self.rows = np.array([row for row, _ in self.pairs], dtype=int)
        self.covered = np.array(sorted({row for row, _ in self.pairs}), dtype=int)

    def read(self, api: Any) -> tuple[np.ndarray, np.ndarray]:
        """(vehicles, halting vehicles) per lane at the last step."""
        count_of, halting_of = api.lanearea.getLastStepVehicleNumber, api.lanearea.getLastStepHaltingNumber
        count, halting = np.full(self.size, np.nan), np.full(self.size, np.nan)
        count[self.covered], halting[self.covered] = 0.0, 0.0
        np.add.at(count, self.rows, [count_of(det) for _, det in self.pairs])
        np.add.at(halting, self.rows, [halting_of(det) for _, det in self.pairs])
        return count, halting
