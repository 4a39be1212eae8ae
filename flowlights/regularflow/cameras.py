"""What Regularflow's cameras report for one light, read from SUMO: cars halting and pedestrians waiting per
approach (incoming road). A pedestrian waits for an approach when it stands on one of the light's walking
areas and its next edge is a crossing over that road (or over the road back the other way, which the same
crossing spans)."""

from __future__ import annotations

from typing import Any

import numpy as np
import sumolib

from flowlights.envs.traffic_light_env import TrafficLightEnv
from flowlights.sim.pedestrians import STANDING


class Cameras:
    """One light's approaches and the crossings over each, built once per network."""

    def __init__(self, env: TrafficLightEnv, tls: str) -> None:
        view, lanes, topology = env.views[tls], env.topology.lights[tls].incoming_lanes, env.topology
        self.rows: dict[str, list[int]] = {}
        for lane, row in zip(lanes, view.in_idx):
            if topology.lanes[lane].function == "":  # a road, not a walking area
                self.rows.setdefault(topology.lanes[lane].edge, []).append(int(row))
        self.areas = [topology.lanes[lane].edge for lane in topology.walking_areas(tls)]
        self.crossings: dict[str, set[str]] = {road: set() for road in self.rows}
        if self.areas:
            net = sumolib.net.readNet(str(env.scenario.net_file), withPedestrianConnections=True)
            ends = topology.edge_ends
            for edge in net.getEdges(withInternal=True):
                if edge.getFunction() != "crossing":
                    continue
                spanned = {e.getID() for e in edge.getCrossingEdges()}
                for road in self.rows:  # the road itself, or its twin in the other direction
                    twin = {e for e, (f, t) in ends.items() if (t, f) == ends.get(road)}
                    if spanned & ({road} | twin):
                        self.crossings[road].add(edge.getID())

    @property
    def approaches(self) -> list[str]:
        return list(self.rows)

    def read(self, env: TrafficLightEnv) -> dict[str, Any]:
        """``cars`` and ``pedestrians`` per approach, in ``approaches`` order."""
        halting = np.nan_to_num(env.measures.halting)
        cars = [int(halting[rows].sum()) for rows in self.rows.values()]
        waiting: dict[str, int] = {road: 0 for road in self.rows}
        if self.areas:
            api = env.sim.api
            for area in self.areas:
                for person in api.edge.getLastStepPersonIDs(area):
                    if api.person.getSpeed(person) >= STANDING:
                        continue
                    following = api.person.getNextEdge(person)
                    for road, crossings in self.crossings.items():
                        if following in crossings:
                            waiting[road] += 1
        return {"approaches": self.approaches, "cars": cars, "pedestrians": [waiting[r] for r in self.rows]}
