"""Pedestrians waiting at the lights' crossings: persons standing (speed < 0.1 m/s) on each watched
walking area (the corners where people wait for a crossing), read per person, only on request."""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np

STANDING = 0.1  # m/s: a person slower than this is waiting


class PedestrianCounter:
    """``areas``: walking-area lane -> its edge; ``lanes``: the sensor's lane order (rows of ``read``)."""

    def __init__(self, areas: Mapping[str, str], lanes: Sequence[str]) -> None:
        index = {lane: i for i, lane in enumerate(lanes)}
        self.size = len(lanes)
        self.rows = [(index[lane], edge) for lane, edge in areas.items()]

    def read(self, api: Any) -> np.ndarray:
        """Persons waiting on each watched walking area (NaN for other lanes)."""
        persons, speed = api.edge.getLastStepPersonIDs, api.person.getSpeed
        waiting = np.full(self.size, np.nan)
        for row, edge in self.rows:
            waiting[row] = sum(1 for p in persons(edge) if speed(p) < STANDING)
        return waiting
