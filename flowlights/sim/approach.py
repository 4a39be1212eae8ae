"""Vehicles near the stop line, counted the way RESCO's detectors count them.

Per watched lane, among the vehicles within ``distance`` metres of its end — on the lane itself
or on the lanes upstream of it that its detection zone lists (``flowlights.networks.detection``)
— ``near`` counts them all; ``queued`` counts those that have waited (SUMO waiting time > 0 at
some reading) since they entered a zone: RESCO's ``queue`` (its ``approach`` is ``near - queued``);
``wait`` sums, over the queued, the seconds since each first stopped there: RESCO's ``total_wait``.
A vehicle stays queued until it leaves the zones, as in RESCO's ``Signal.observe``.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np


class StopLineCounter:
    """Reads ``near`` and ``queued`` counts for the watched lanes (call ``reset`` per episode).

    ``zones``: watched lane -> [(lane, metres from that lane's end to the stop line, weight)];
    ``lengths``: the length of every lane a zone names."""

    def __init__(
        self, zones: Mapping[str, Sequence[tuple[str, float, float]]], lengths: Mapping[str, float], distance: float
    ) -> None:
        self.lanes = list(zones)
        self.index = {lane: i for i, lane in enumerate(self.lanes)}
        self.read_lanes = list(dict.fromkeys(lane for zone in zones.values() for lane, _, _ in zone))
        # per lane read: (watched row, start position on that lane from which a vehicle is in range, weight)
        self._targets: dict[str, list[tuple[int, float, float]]] = {lane: [] for lane in self.read_lanes}
        for row, zone in enumerate(zones.values()):
            for lane, offset, weight in zone:
                self._targets[lane].append((row, max(lengths[lane] - (distance - offset), 0.0), weight))
        self._waited: dict[str, float] = {}  # queued vehicle -> simulated time it began waiting in the zones

    def reset(self) -> None:
        self._waited = {}

    def read(self, api: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(near, queued, wait) per watched lane, in ``lanes`` order (fractional where zones share a lane)."""
        lane_ids, position, waiting = (
            api.lane.getLastStepVehicleIDs,
            api.vehicle.getLanePosition,
            api.vehicle.getWaitingTime,
        )
        now = api.simulation.getTime()
        near = np.zeros(len(self.lanes))
        queued = np.zeros(len(self.lanes))
        wait = np.zeros(len(self.lanes))
        present: set[str] = set()
        for lane in self.read_lanes:
            targets = self._targets[lane]
            for vid in lane_ids(lane):
                pos = position(vid)
                hits = [(row, weight) for row, start, weight in targets if pos >= start]
                if not hits:
                    continue
                present.add(vid)
                since = self._waited.get(vid)
                if since is None:
                    stopped = waiting(vid)
                    if stopped > 0.0:
                        since = self._waited[vid] = now - stopped
                for row, weight in hits:
                    near[row] += weight
                    if since is not None:
                        queued[row] += weight
                        wait[row] += weight * (now - since)
        self._waited = {vid: t for vid, t in self._waited.items() if vid in present}
        return near, queued, wait
