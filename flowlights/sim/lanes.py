"""Lane measurements through SUMO subscriptions: one call per decision, not one per lane or vehicle.

Every watched lane is subscribed once per episode to the variables the observation and reward
functions need; ``read`` turns SUMO's answer into numpy arrays indexed like ``lanes``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional, Sequence

import numpy as np
import traci.constants as tc

VARIABLES = {
    "count": tc.LAST_STEP_VEHICLE_NUMBER,
    "halting": tc.LAST_STEP_VEHICLE_HALTING_NUMBER,
    "speed": tc.LAST_STEP_MEAN_SPEED,
    "waiting": tc.VAR_WAITING_TIME,
    "ids": tc.LAST_STEP_VEHICLE_ID_LIST,
}


@dataclass
class LaneMeasures:
    """One reading of all watched lanes; arrays share the sensor's lane order."""

    count: np.ndarray
    halting: np.ndarray
    speed: np.ndarray
    waiting: np.ndarray
    ids: Optional[list[tuple[str, ...]]]
    api: Any


class LaneSensor:
    """Subscribes lanes to the needed variables and reads them all at once."""

    def __init__(self, lanes: Sequence[str], need_ids: bool = False) -> None:
        self.lanes = list(lanes)
        self.index = {lane: i for i, lane in enumerate(self.lanes)}
        names = ["count", "halting", "speed", "waiting"] + (["ids"] if need_ids else [])
        self.names = names
        self._vars = [VARIABLES[n] for n in names]

    def subscribe(self, api: Any) -> None:
        """Call once per episode after SUMO (re)started."""
        for lane in self.lanes:
            api.lane.subscribe(lane, self._vars)

    def read(self, api: Any) -> LaneMeasures:
        results = api.lane.getAllSubscriptionResults()
        n = len(self.lanes)
        columns = {name: np.zeros(n) for name in ("count", "halting", "speed", "waiting")}
        ids: Optional[list[tuple[str, ...]]] = [()] * n if "ids" in self.names else None
        for lane, i in self.index.items():
            row = results.get(lane)
            if not row:
                continue
            columns["count"][i] = row[tc.LAST_STEP_VEHICLE_NUMBER]
            columns["halting"][i] = row[tc.LAST_STEP_VEHICLE_HALTING_NUMBER]
            columns["speed"][i] = row[tc.LAST_STEP_MEAN_SPEED]
            columns["waiting"][i] = row[tc.VAR_WAITING_TIME]
            if ids is not None:
                ids[i] = tuple(row[tc.LAST_STEP_VEHICLE_ID_LIST])
        return LaneMeasures(ids=ids, api=api, **columns)
