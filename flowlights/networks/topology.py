"""Read what the environment needs from a .net.xml without starting SUMO.

Traffic lights (their links and programs), lanes (length, speed, edge) and junction types.
The spaces of every agent must be known at construction, before any simulation runs.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from flowlights.errors import ConfigError
from flowlights.networks.network_file import open_xml


@dataclass(frozen=True)
class Lane:
    id: str
    edge: str
    length: float
    speed: float
    heading: float = 0.0  # compass bearing (degrees, 0 = north, 90 = east) of travel where the lane ends
    function: str = ""  # SUMO's edge function: "" (a road), "walkingarea" or "crossing" (pedestrians)


@dataclass
class TrafficLight:
    """A SUMO traffic light: its program's states and, per link index, (in lane, out lane)."""

    id: str
    states: list[str] = field(default_factory=list)
    program_id: str = "0"
    durations: list[float] = field(default_factory=list)  # seconds, one per state
    links: dict[int, list[tuple[str, str]]] = field(default_factory=dict)

    def green_durations(self, greens: list[str]) -> list[float]:
        """Program duration of each of ``greens`` (its first occurrence in the program)."""
        return [self.durations[self.states.index(g)] for g in greens]

    @property
    def incoming_lanes(self) -> list[str]:
        """Controlled incoming lanes, each once, in link order."""
        return list(dict.fromkeys(i for idx in sorted(self.links) for i, _ in self.links[idx]))

    @property
    def outgoing_lanes(self) -> list[str]:
        return list(dict.fromkeys(o for idx in sorted(self.links) for _, o in self.links[idx]))


@dataclass
class NetTopology:
    lanes: dict[str, Lane]
    lights: dict[str, TrafficLight]
    junction_types: dict[str, str]
    edge_ends: dict[str, tuple[str, str]]  # edge id -> (from junction, to junction)
    junction_xy: dict[str, tuple[float, float]] = field(default_factory=dict)
    successors: dict[str, set[str]] = field(default_factory=dict)  # edge id -> edges its connections lead to
    lane_links: dict[str, set[str]] = field(default_factory=dict)  # lane id -> lanes its connections lead to

    def neighbours(self, tls_id: str, max_hops: int = 3) -> list[str]:
        """Lights reachable within ``max_hops`` edges (either direction) without crossing another light."""
        owner, adjacency = self._junction_graph()
        frontier = self.junctions_of(self.lights[tls_id])
        seen, found = set(frontier), set()
        for _ in range(max_hops):
            nxt = set()
            for junction in frontier:
                for other in adjacency.get(junction, ()):
                    if other in seen:
                        continue
                    seen.add(other)
                    if owner.get(other, tls_id) != tls_id:
                        found.add(owner[other])
                    else:
                        nxt.add(other)
            frontier = nxt
        return sorted(found)

    def _junction_graph(self) -> tuple[dict[str, str], dict[str, set[str]]]:
        """(junction -> the light controlling it, junction -> adjacent junctions), built once: asking every light's
        neighbours would otherwise rebuild it per light (minutes on a city of 1,000 lights)."""
        cached = self.__dict__.get("_graph")
        if cached is None:
            owner = {j: t for t, light in self.lights.items() for j in self.junctions_of(light)}
            adjacency: dict[str, set[str]] = {}
            for f, t in self.edge_ends.values():
                adjacency.setdefault(f, set()).add(t)
                adjacency.setdefault(t, set()).add(f)
            cached = self.__dict__["_graph"] = (owner, adjacency)
        return cached

    def lane_predecessors(self) -> dict[str, list[str]]:
        """Lane -> the lanes whose connections lead into it."""
        found: dict[str, list[str]] = {}
        for source, targets in self.lane_links.items():
            for target in targets:
                found.setdefault(target, []).append(source)
        return found

    def crossing_links(self, tls_id: str) -> tuple[int, ...]:
        """Link indices of the light's pedestrian crossings (links into a crossing)."""
        light = self.lights[tls_id]
        return tuple(
            sorted(
                i
                for i, pairs in light.links.items()
                if any(self.lanes.get(out) is not None and self.lanes[out].function == "crossing" for _, out in pairs)
            )
        )

    def walking_areas(self, tls_id: str) -> list[str]:
        """The light's incoming walking-area lanes: where pedestrians wait for its crossings."""
        return [
            lane
            for lane in self.lights[tls_id].incoming_lanes
            if lane in self.lanes and self.lanes[lane].function == "walkingarea"
        ]

    def junctions_of(self, light: TrafficLight) -> set[str]:
        """Junctions a light controls: where its incoming lanes end."""
        ends = {self.edge_ends[self.lanes[lane].edge][1] for lane in light.incoming_lanes}
        return ends - {""}  # walking areas and crossings name no junction


def end_heading(shape: str) -> float:
    """Compass bearing of a SUMO shape's last segment ("x,y x,y ..."); 0 when it has no length."""
    points = [tuple(float(v) for v in p.split(",")[:2]) for p in shape.split()]
    for (x0, y0), (x1, y1) in zip(points[-2::-1], points[:0:-1]):  # from the end, the first segment with a length
        if (x1 - x0) or (y1 - y0):
            return math.degrees(math.atan2(x1 - x0, y1 - y0)) % 360.0
    return 0.0


def read_net(path: Path) -> NetTopology:
    """Parse lanes, traffic lights and junctions of a SUMO network file."""
    lanes: dict[str, Lane] = {}
    lights: dict[str, TrafficLight] = {}
    junction_types: dict[str, str] = {}
    junction_xy: dict[str, tuple[float, float]] = {}
    edge_ends: dict[str, tuple[str, str]] = {}
    successors: dict[str, set[str]] = {}
    lane_links: dict[str, set[str]] = {}
    try:
        with open_xml(path) as fh:
            root = ET.parse(fh).getroot()
    except ET.ParseError as exc:
        raise ConfigError(f"net file {str(path)!r} is not valid XML ({exc}); is it a SUMO .net.xml?") from exc
    if root.tag != "net":
        raise ConfigError(f"net file {str(path)!r} is not a SUMO network (root <{root.tag}>, expected <net>).")
    for edge in root.iter("edge"):
        if edge.get("function") == "internal":
            continue
        eid = edge.get("id", "")
        edge_ends[eid] = (edge.get("from", ""), edge.get("to", ""))
        for lane in edge.iter("lane"):
            lanes[lane.get("id", "")] = Lane(
                lane.get("id", ""),
                eid,
                float(lane.get("length", 1)),
                float(lane.get("speed", 13.89)),
                end_heading(lane.get("shape", "")),
                edge.get("function", ""),
            )
    for tl in root.iter("tlLogic"):
        if tl.get("id") in lights:  # several programs: keep the first (SUMO's default)
            continue
        phases = list(tl.iter("phase"))
        lights[tl.get("id", "")] = TrafficLight(
            tl.get("id", ""),
            [p.get("state", "") for p in phases],
            tl.get("programID", "0"),
            [float(p.get("duration", 0)) for p in phases],
        )
    for con in root.iter("connection"):
        if con.get("from") in edge_ends and con.get("to") in edge_ends:
            successors.setdefault(con.get("from", ""), set()).add(con.get("to", ""))
            lane_links.setdefault(f"{con.get('from')}_{con.get('fromLane')}", set()).add(
                f"{con.get('to')}_{con.get('toLane')}"
            )
        tl_id = con.get("tl")
        if tl_id is None or tl_id not in lights:
            continue
        in_lane = f"{con.get('from')}_{con.get('fromLane')}"
        out_lane = f"{con.get('to')}_{con.get('toLane')}"
        lights[tl_id].links.setdefault(int(con.get("linkIndex", 0)), []).append((in_lane, out_lane))
    for junction in root.iter("junction"):
        junction_types[junction.get("id", "")] = junction.get("type", "")
        junction_xy[junction.get("id", "")] = (float(junction.get("x", 0)), float(junction.get("y", 0)))
    return NetTopology(lanes, lights, junction_types, edge_ends, junction_xy, successors, lane_links)


SECTORS = ("north", "east", "south", "west")  # travel bearings 0, 90, 180, 270 (+-45 degrees)


def green_sectors(topology: NetTopology, tls_id: str, greens: list[str]) -> np.ndarray:
    """For each green of a light, the share of its links arriving from each travel sector
    (vehicles heading north, east, south, west) that the green lets go: shape (greens, 4),
    NaN where the light has no link from that sector."""
    light = topology.lights[tls_id]
    sector_of = {
        i: int(((topology.lanes[pairs[0][0]].heading + 45.0) % 360.0) // 90.0)
        for i, pairs in light.links.items()
        if pairs and pairs[0][0] in topology.lanes
    }
    out = np.full((len(greens), len(SECTORS)), np.nan)
    for row, state in enumerate(greens):
        for sector in set(sector_of.values()):
            links = [i for i, s in sector_of.items() if s == sector and i < len(state)]
            out[row, sector] = sum(state[i] in "Gg" for i in links) / len(links)
    return out
