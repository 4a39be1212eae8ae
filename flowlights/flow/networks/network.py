"""Flow's ``Network``: a road network described in Python, built by SUMO's netconvert.

A subclass says what the network is — ``specify_nodes``, ``specify_edges`` and optionally
``specify_types``, ``specify_connections``, ``specify_routes``, ``specify_edge_starts`` — from its
``net_params.additional_params``, exactly as in Flow; RingNetwork, MultiRingNetwork and
TrafficLightGridNetwork are built this way and so is a network of your own. ``build()`` writes the
net (cached by its description), the routes (``route<edge>`` for each route), the vehicle types and
the inflows; ``start_positions()`` places the initial vehicles as Flow's InitialConfig says.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Optional, Sequence

import numpy as np
import sumolib

from flowlights.common.cache import cache_dir
from flowlights.errors import ConfigError
from flowlights.networks.plain_xml import xml_element
from flowlights.params.experiment import InitialConfig, TrafficLightParams
from flowlights.sim.sumo_home import sumo_binary

VEHICLE_LENGTH = 5.0  # Flow's spacing unit when placing initial vehicles
NETCONVERT_KEYS = {"signal_group"}  # Flow-only connection keys netconvert does not know


@dataclass
class BuiltNetwork:
    """The files SUMO runs (``flowlights.sim.simulation.ScenarioFiles``)."""

    name: str
    net_file: Path
    route_files: Sequence[Path]
    additional_files: Sequence[Path] = field(default_factory=list)
    sumocfg: Optional[Path] = None
    begin: float = 0.0
    end: float = 1e9


class Network:
    """Flow's Network base: ``Network(name, vehicles, net_params, initial_config, traffic_lights)``."""

    def __init__(
        self, name: str, vehicles: Any, net_params: Any, initial_config: Any = None, traffic_lights: Any = None
    ) -> None:
        self.orig_name = name
        self.name = name
        self.vehicles = vehicles
        self.net_params = net_params
        self.initial_config = initial_config if initial_config is not None else InitialConfig()
        self.traffic_lights = traffic_lights if traffic_lights is not None else TrafficLightParams()
        self.nodes = self.specify_nodes(net_params)
        self.edges = self.specify_edges(net_params)
        self.types = self.specify_types(net_params)
        self.connections = self.specify_connections(net_params)
        self.routes = _route_options(self.specify_routes(net_params), self.edges)
        self.edge_starts = self.specify_edge_starts()
        self.internal_edge_starts = self.specify_internal_edge_starts()
        self._built: Optional[BuiltNetwork] = None

    # -- what a subclass specifies (Flow's names) ---------------------------------------------
    def specify_nodes(self, net_params: Any) -> list[dict[str, Any]]:  # pragma: no cover - abstract
        raise NotImplementedError(f"{type(self).__name__}.specify_nodes(net_params) must list the nodes.")

    def specify_edges(self, net_params: Any) -> list[dict[str, Any]]:  # pragma: no cover - abstract
        raise NotImplementedError(f"{type(self).__name__}.specify_edges(net_params) must list the edges.")

    def specify_types(self, net_params: Any) -> Optional[list[dict[str, Any]]]:
        return None

    def specify_connections(self, net_params: Any) -> Optional[dict[str, list[dict[str, Any]]]]:
        return None

    def specify_routes(self, net_params: Any) -> Optional[dict[str, Any]]:
        return None

    def specify_edge_starts(self) -> Optional[list[tuple[str, float]]]:
        return None

    def specify_internal_edge_starts(self) -> list[tuple[str, float]]:
        return []

    @staticmethod
    def gen_custom_start_pos(cls: Any, net_params: Any, initial_config: Any, num_vehicles: int) -> tuple[list, list]:
        raise NotImplementedError("spacing='custom' needs the network's gen_custom_start_pos.")

    # -- building -------------------------------------------------------------------------------
    def build(self, inflows: Any = None, vehicle_types: Sequence[dict[str, Any]] = ()) -> BuiltNetwork:
        """Net (netconvert, cached by the description), routes, vehicle types and inflows on disk."""
        description = json.dumps([self.nodes, self.edges, self.types, self.connections], sort_keys=True, default=str)
        folder = cache_dir() / "flow_networks" / hashlib.sha1(description.encode()).hexdigest()[:12]
        net = folder / "network.net.xml"
        if not net.is_file():
            self._netconvert(folder, net)
        demand = json.dumps([self.routes, list(vehicle_types), _flows(inflows)], sort_keys=True, default=str)
        routes = folder / f"routes-{hashlib.sha1(demand.encode()).hexdigest()[:12]}.rou.xml"
        if not routes.is_file():
            tmp = routes.with_suffix(".tmp")
            tmp.write_text(self._routes_xml(inflows, vehicle_types))
            tmp.replace(routes)
        self._built = BuiltNetwork(self.name, net, [routes])
        return self._built

    def _netconvert(self, folder: Path, net: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        nod, edg, typ, con = (folder / f"network.{k}.xml" for k in ("nod", "edg", "typ", "con"))
        nod.write_text("<nodes>\n" + "".join(xml_element("node", n) for n in self.nodes) + "</nodes>\n")
        edg.write_text("<edges>\n" + "".join(xml_element("edge", e) for e in self.edges) + "</edges>\n")
        cmd = [
            sumo_binary("netconvert"),
            "--node-files",
            str(nod),
            "--edge-files",
            str(edg),
            "--no-internal-links",
            "false",
            "--no-turnarounds",
            "true",
            "--no-warnings",
            "true",
            "--output-file",
            str(net.with_suffix(".tmp.xml")),
        ]
        if self.types:
            typ.write_text("<types>\n" + "".join(xml_element("type", t) for t in self.types) + "</types>\n")
            cmd += ["--type-files", str(typ)]
        if self.connections:
            rows = [c for group in self.connections.values() for c in group]
            con.write_text(
                "<connections>\n"
                + "".join(
                    xml_element("connection", {k: v for k, v in c.items() if k not in NETCONVERT_KEYS}) for c in rows
                )
                + "</connections>\n"
            )
            cmd += ["--connection-files", str(con)]
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode != 0:
            raise ConfigError(
                f"netconvert could not build {type(self).__name__} {self.name!r}: {done.stderr.strip()[-600:]}"
            )
        net.with_suffix(".tmp.xml").replace(net)

    def _routes_xml(self, inflows: Any, vehicle_types: Sequence[dict[str, Any]]) -> str:
        lines = ["<routes>\n"]
        lines += [xml_element("vType", t) for t in vehicle_types]
        for start, options in self.routes.items():
            for i, (edges, _) in enumerate(options):
                lines.append(xml_element("route", {"id": route_id(start, i, len(options)), "edges": " ".join(edges)}))
        for i, f in enumerate(_flows(inflows)):
            rate = (
                {"vehsPerHour": f"{f['vehs_per_hour']:g}"}
                if f["vehs_per_hour"] is not None
                else {"probability": f"{f['probability']:g}"}
                if f["probability"] is not None
                else {"number": f["number"]}
            )
            where = (
                {"from": f["edge"], "to": f["to"]}
                if f["to"] is not None
                else {"route": route_id(f["edge"], 0, len(self.routes.get(f["edge"], [None])))}
            )
            if f["to"] is None and f["edge"] not in self.routes:
                raise ConfigError(
                    f"inflow on {f['edge']!r}: the network has no route from that edge "
                    f"(routes start at {', '.join(sorted(self.routes)[:10])}); give to='edge'."
                )
            lines.append(
                xml_element(
                    "flow",
                    {
                        "id": f["name"] or f"flow{i}_{f['edge']}",
                        **where,
                        "begin": f"{f['begin']:g}",
                        "end": f"{f['end']:g}",
                        **rate,
                        "type": f["veh_type"] or None,
                        "departLane": f["depart_lane"],
                        "departSpeed": f["depart_speed"],
                    },
                )
            )
        return "".join(lines) + "</routes>\n"

    # -- geometry read back from the built net ----------------------------------------------------
    def lane_data(self) -> dict[str, dict[str, Any]]:
        """Per edge (internal ones too): length, speed limit, number of lanes, from the built net."""
        if self._built is None:
            raise ConfigError("build() the network first.")
        net = sumolib.net.readNet(str(self._built.net_file), withInternal=True)
        data = {
            e.getID(): {"length": e.getLength(), "speed": e.getSpeed(), "lanes": e.getLaneNumber()}
            for e in net.getEdges(withInternal=True)
        }
        for edge in net.getEdges(withInternal=False):  # which normal edge enters each internal one
            for conns in edge.getOutgoing().values():
                for conn in conns:
                    via = conn.getViaLaneID()
                    if via and via.rsplit("_", 1)[0] in data:
                        data[via.rsplit("_", 1)[0]].setdefault("from", edge.getID())
        return data

    # -- initial placement ----------------------------------------------------------------------
    def start_positions(
        self,
        initial_config: Any,
        num_vehicles: int,
        edges: dict[str, dict[str, Any]],
        edge_starts: list[tuple[str, float]],
        rng: np.random.Generator,
    ) -> tuple[list, list]:
        """(edge, position) and lane for each initial vehicle, by ``initial_config.spacing``:
        "uniform" (evenly along the available edges, minus ``bunching``), "random", or "custom"
        (the network's ``gen_custom_start_pos``); then ``perturbation`` (Gaussian, metres)."""
        if num_vehicles == 0:
            return [], []
        ic = initial_config
        if ic.spacing == "custom":
            return self.gen_custom_start_pos(_Placement(self, edges, edge_starts), self.net_params, ic, num_vehicles)
        available = [e for e, _ in edge_starts if (ic.edges_distribution == "all" or e in ic.edges_distribution)]
        if not available:
            raise ConfigError(
                f"InitialConfig.edges_distribution={ic.edges_distribution!r} names no edge of the network."
            )
        length = sum(edges[e]["length"] for e in available)
        lanes = {e: max(1, min(edges[e]["lanes"], int(min(ic.lanes_distribution, 1e6)))) for e in available}
        per_x = max(lanes.values())
        slots = int(np.ceil(num_vehicles / per_x))
        usable = length - ic.bunching
        if usable < slots * (VEHICLE_LENGTH + ic.min_gap):
            raise ConfigError(
                f"{num_vehicles} vehicles do not fit on {length:.1f} m of road with bunching={ic.bunching} "
                f"and min_gap={ic.min_gap}; place fewer vehicles or lower bunching."
            )
        if ic.spacing == "uniform":
            xs = ic.x0 + np.arange(slots) * (usable / slots)
        elif ic.spacing == "random":
            free = usable - slots * (VEHICLE_LENGTH + ic.min_gap)
            xs = ic.x0 + np.sort(rng.uniform(0, free, slots)) + np.arange(slots) * (VEHICLE_LENGTH + ic.min_gap)
        else:
            raise ConfigError(f"InitialConfig.spacing={ic.spacing!r} is unknown; use 'uniform', 'random' or 'custom'.")
        if ic.perturbation > 0:
            xs = xs + rng.normal(0, ic.perturbation, xs.size)
        placement = _Placement(self, edges, [(e, s) for e, s in edge_starts if e in available])
        positions, start_lanes = [], []
        for x in xs:
            edge, pos = placement.get_edge(float(x) % length)
            for lane in range(lanes[edge]):
                if len(positions) < num_vehicles:
                    positions.append((edge, pos))
                    start_lanes.append(lane)
        return positions, start_lanes


class _Placement:
    """What Flow's ``gen_custom_start_pos(cls, ...)`` reads of the network kernel: get_edge, num_lanes."""

    def __init__(
        self, network: Network, edges: dict[str, dict[str, Any]], edge_starts: list[tuple[str, float]]
    ) -> None:
        self.network, self.edges = network, edges
        self.starts = sorted(edge_starts, key=lambda t: t[1])
        self.length = sum(edges[e]["length"] for e, _ in self.starts)

    def get_edge(self, x: float) -> tuple[str, float]:
        """The (edge, position) at distance ``x`` along the laid-out edges (a position stays on its edge)."""
        covered = 0.0
        for edge, _ in self.starts:
            size = self.edges[edge]["length"]
            if x < covered + size:
                return edge, max(0.0, x - covered)
            covered += size
        edge = self.starts[-1][0]
        return edge, max(0.0, self.edges[edge]["length"] - 0.1)

    def num_lanes(self, edge: str) -> int:
        return int(self.edges[edge]["lanes"])

    def _get_start_pos_util(self, initial_config: Any, num_vehicles: int) -> tuple:
        ic = initial_config
        return (
            ic.x0,
            ic.min_gap,
            ic.bunching,
            ic.lanes_distribution,
            self.length - ic.bunching,
            [e for e, _ in self.starts],
            ic,
        )


def route_id(start: str, index: int, count: int) -> str:
    """Flow's route names: ``route<edge>`` (and ``route<edge>_<i>`` when an edge has several)."""
    return f"route{start}" if count == 1 else f"route{start}_{index}"


def _route_options(
    routes: Optional[dict[str, Any]], edges: list[dict[str, Any]]
) -> dict[str, list[tuple[list[str], float]]]:
    """Flow's route forms — ``{edge: [edges]}`` or ``{edge: [(edges, probability), ...]}`` — as the
    second; no routes: every edge is a one-edge route (as Flow)."""
    if not routes:
        return {e["id"]: [([e["id"]], 1.0)] for e in edges}
    out = {}
    for start, value in routes.items():
        if value and all(isinstance(v, str) for v in value):
            out[start] = [(list(value), 1.0)]
        else:
            out[start] = [(list(r), float(p)) for r, p in value]
    return out


def _flows(inflows: Any) -> list[dict[str, Any]]:
    return [asdict(f) for f in getattr(inflows, "flows", [])] if inflows is not None else []
