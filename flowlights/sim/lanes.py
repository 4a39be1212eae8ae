"""Lane measurements, taken once per decision for every watched lane.

Only what is needed is taken: the env asks for the union of what its observation, reward and
controller declare (``needs``): variables among ``count``, ``halting``, ``speed``, ``waiting``,
``ids``, ``outgoing`` for the lanes leaving a light (incoming lanes are always watched), and
``zone``: vehicles within the detection range of each incoming lane's stop line, upstream lanes
included (``flowlights.sim.approach``; near and queued counts, read per vehicle, so only on request);
``detector``: SUMO lane-area detectors on the incoming lanes (``EnvParams.detectors``); ``pedestrians``:
persons waiting on the lights' walking areas (networks with crossings); ``held_back``: vehicles due to depart
but not let in, on the incoming lanes of the first light their route reaches.
Two ways, same values: with libsumo, direct getter calls at decision time (a fraction of a
microsecond each); with TraCI, where every call is a socket round trip, subscriptions read in one
call. (Subscriptions cost libsumo more: SUMO evaluates them after EVERY step call, also the calls
that only run to the end of a yellow.) ``read`` gives numpy arrays indexed like ``lanes``; lanes
not watched read NaN, variables not measured raise.
"""

from __future__ import annotations

import operator
from typing import Any, Collection, Optional, Sequence

import numpy as np
import traci.constants as tc

from flowlights.errors import ConfigError

NUMERIC = {
    "count": tc.LAST_STEP_VEHICLE_NUMBER,
    "halting": tc.LAST_STEP_VEHICLE_HALTING_NUMBER,
    "speed": tc.LAST_STEP_MEAN_SPEED,
    "waiting": tc.VAR_WAITING_TIME,
}
GETTERS = {  # the lane domain's getter for each variable (direct reading)
    "count": "getLastStepVehicleNumber",
    "halting": "getLastStepHaltingNumber",
    "speed": "getLastStepMeanSpeed",
    "waiting": "getWaitingTime",
    "ids": "getLastStepVehicleIDs",
}
IDS = "ids"
OUTGOING = "outgoing"
ZONE = "zone"  # vehicles in each incoming lane's detection zone (flowlights.sim.approach), read per vehicle
DETECTOR = "detector"  # SUMO lane-area detectors on the incoming lanes (EnvParams.detectors)
PEDESTRIANS = "pedestrians"  # persons waiting on the lights' walking areas (flowlights.sim.pedestrians)
HELD_BACK = (
    "held_back"  # vehicles due to depart but not inserted, on the light their route reaches (flowlights.sim.held_back)
)
NEEDS = (*NUMERIC, IDS, OUTGOING, ZONE, DETECTOR, PEDESTRIANS, HELD_BACK)
ALL_NEEDS = frozenset(NEEDS) - {
    IDS,
    ZONE,
    DETECTOR,
    PEDESTRIANS,
    HELD_BACK,
}  # what a user function that declares nothing gets
_NO_RESULT: dict = {}


def check_needs(needs: Collection[str], where: str) -> frozenset[str]:
    """The needs as a set, each checked against the known names."""
    unknown = [n for n in needs if n not in NEEDS]
    if unknown:
        raise ConfigError(f"{where}: unknown lane measurement {unknown[0]!r}; use some of {', '.join(NEEDS)}.")
    return frozenset(needs)


def _getter(api: Any, name: str) -> Any:
    """The lane getter ``name``; with libsumo its compiled function itself, skipping the thin Python
    wrapper around it (a third of the cost of a call)."""
    compiled = getattr(getattr(api, "_libsumo", None), f"lane_{name}", None)
    return compiled if compiled is not None else getattr(api.lane, name)


class LaneMeasures:
    """One reading of the watched lanes; arrays share the sensor's lane order."""

    def __init__(self, values: dict[str, np.ndarray], ids: Optional[list[tuple[str, ...]]], api: Any) -> None:
        self._values = values
        self._ids = ids
        self.api = api

    def add_zone(self, near: np.ndarray, queued: np.ndarray, wait: np.ndarray) -> None:
        """Attach the detection-zone counts and the queued vehicles' waiting (arrays in the sensor's lane order)."""
        self._values["zone_near"], self._values["zone_queued"], self._values["zone_wait"] = near, queued, wait

    def add_held_back(self, held: np.ndarray) -> None:
        """Attach the held-back vehicles per lane (the sensor's lane order)."""
        self._values["held_back"] = held

    def add_detectors(self, count: np.ndarray, halting: np.ndarray) -> None:
        """Attach the lane-area detectors' readings (arrays in the sensor's lane order)."""
        self._values["detector_count"], self._values["detector_halting"] = count, halting

    def add_pedestrians(self, waiting: np.ndarray) -> None:
        """Attach the waiting pedestrians per walking-area lane (the sensor's lane order)."""
        self._values["pedestrians_waiting"] = waiting

    def _get(self, name: str) -> np.ndarray:
        try:
            return self._values[name]
        except KeyError:
            raise ConfigError(
                f"lane measurement {name!r} is not taken in this env: declare it where it is used "
                f"(needs=... on a registered observation/reward, Controller.env_overrides['measures'], "
                f"or EnvParams(measures=[{name!r}]))."
            ) from None

    count = property(lambda self: self._get("count"))
    halting = property(lambda self: self._get("halting"))
    speed = property(lambda self: self._get("speed"))
    waiting = property(lambda self: self._get("waiting"))
    zone_near = property(lambda self: self._derived("zone_near", ZONE))
    zone_queued = property(lambda self: self._derived("zone_queued", ZONE))
    zone_wait = property(lambda self: self._derived("zone_wait", ZONE))
    held_back = property(lambda self: self._derived("held_back", HELD_BACK))
    detector_count = property(lambda self: self._derived("detector_count", DETECTOR))
    detector_halting = property(lambda self: self._derived("detector_halting", DETECTOR))
    pedestrians_waiting = property(lambda self: self._derived("pedestrians_waiting", PEDESTRIANS))

    def _derived(self, name: str, need: str) -> np.ndarray:
        if name not in self._values:
            self._get(need)
        return self._values[name]

    @property
    def ids(self) -> list[tuple[str, ...]]:
        if self._ids is None:
            self._get(IDS)
        return self._ids  # type: ignore[return-value]


class LaneSensor:
    """Reads the needed variables of the watched lanes: by direct calls (``direct=True``, for libsumo)
    or by subscriptions read all at once (for TraCI)."""

    def __init__(
        self, lanes: Sequence[str], watched: Collection[str], needs: Collection[str], direct: bool = False
    ) -> None:
        self.direct = direct
        self.needs = frozenset(needs)
        self.lanes = list(lanes)
        self.index = {lane: i for i, lane in enumerate(self.lanes)}
        watched_set = set(watched)
        self.watched = [lane for lane in self.lanes if lane in watched_set]
        self.names = [n for n in NUMERIC if n in needs]
        self.with_ids = IDS in needs
        self._vars = [NUMERIC[n] for n in self.names] + ([tc.LAST_STEP_VEHICLE_ID_LIST] if self.with_ids else [])
        self._rows = np.array([self.index[lane] for lane in self.watched], dtype=int)
        self._numeric = operator.itemgetter(*self._vars[: len(self.names)]) if self.names else None

    def subscribe(self, api: Any) -> None:
        """Call once per episode after SUMO (re)started."""
        if not self._vars or self.direct:
            return
        for lane in self.watched:
            api.lane.subscribe(lane, self._vars)

    def read(self, api: Any) -> LaneMeasures:
        if not self._vars:
            return LaneMeasures({}, None, api)
        return self._read_direct(api) if self.direct else self._read_subscribed(api)

    def _read_direct(self, api: Any) -> LaneMeasures:
        n, k = len(self.lanes), len(self.watched)
        values = {}
        for name in self.names:
            read = np.fromiter(map(_getter(api, GETTERS[name]), self.watched), float, k)
            if k == n:
                values[name] = read
            else:
                values[name] = np.full(n, np.nan)
                values[name][self._rows] = read
        ids: Optional[list[tuple[str, ...]]] = None
        if self.with_ids:
            ids = [()] * n
            for i, found in zip(self._rows, map(_getter(api, GETTERS[IDS]), self.watched)):
                ids[i] = tuple(found)
        return LaneMeasures(values, ids, api)

    def _read_subscribed(self, api: Any) -> LaneMeasures:
        values: dict[str, np.ndarray] = {}
        ids: Optional[list[tuple[str, ...]]] = None
        results = api.lane.getAllSubscriptionResults()
        if self.names:
            try:
                rows = [self._numeric(results[lane]) for lane in self.watched]
            except KeyError:  # no results yet (before SUMO's first step): zeros
                rows = [
                    tuple(results.get(lane, _NO_RESULT).get(v, 0.0) for v in self._vars[: len(self.names)])
                    for lane in self.watched
                ]
            table = np.full((len(self.lanes), len(self.names)), np.nan)
            table[self._rows] = np.array(rows, dtype=float).reshape(len(self.watched), len(self.names))
            values = {name: table[:, k] for k, name in enumerate(self.names)}
        if self.with_ids:
            ids = [()] * len(self.lanes)
            for i, lane in zip(self._rows, self.watched):
                ids[i] = tuple(results.get(lane, _NO_RESULT).get(tc.LAST_STEP_VEHICLE_ID_LIST, ()))
        return LaneMeasures(values, ids, api)
