"""A CBEngine road network and its flows as a SUMO scenario (netconvert), cached by the files' contents.

What maps to what:
- an intersection is a SUMO node (id = CBEngine id), placed from its latitude/longitude, scaled so that the
  straight-line distances match the road lengths on the median; every road keeps its CBEngine length;
- a road is an edge (id = road id) with its lanes, CBEngine lane ``i`` (0 = leftmost) being SUMO lane
  ``n - 1 - i`` (SUMO counts from the right);
- at a signal, each lane gets one connection per turn it allows, towards the outgoing road that turn reaches
  (clockwise order: left = next road, straight = the one after, right = the one before); the traffic light
  (id = intersection id) has CBEngine's eight phases as its green phases, in order (a phase with no movement
  at that signal, e.g. phase 8 where road 3 is missing, is left out):
  1 left turns of roads 0 and 2, 2 straight of roads 0 and 2, 3 left of 1 and 3, 4 straight of 1 and 3,
  5 road 0 straight + left, 6 road 1, 7 road 2, 8 road 3; right turns are always allowed (permissive ``g``);
- a flow becomes one vehicle per departure (ids 0, 1, ... in departure order) on its route of edges.
"""

from __future__ import annotations

import hashlib
import json
import math
import statistics
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Optional

from flowlights.common.cache import cache_dir
from flowlights.errors import ConfigError
from flowlights.networks.cbengine_formats import (
    LEFT,
    RIGHT,
    STRAIGHT,
    Flow,
    RoadNet,
    SimulatorConfig,
    read_flows,
    read_roadnet,
    read_simulator_cfg,
)
from flowlights.networks.network_file import SCENARIO_SCHEMES, NetworkFile
from flowlights.networks.plain_xml import xml_element
from flowlights.sim.sumo_home import sumo_binary

CONVERTER_VERSION = 3  # part of the cache key: bump when the SUMO files written change
PHASE_MOVEMENTS: dict[int, tuple[tuple[int, int], ...]] = {  # CBEngine phase -> (incoming road slot, turn)
    1: ((0, LEFT), (2, LEFT)),
    2: ((0, STRAIGHT), (2, STRAIGHT)),
    3: ((1, LEFT), (3, LEFT)),
    4: ((1, STRAIGHT), (3, STRAIGHT)),
    5: ((0, STRAIGHT), (0, LEFT)),
    6: ((1, STRAIGHT), (1, LEFT)),
    7: ((2, STRAIGHT), (2, LEFT)),
    8: ((3, STRAIGHT), (3, LEFT)),
}
PHASES = tuple(PHASE_MOVEMENTS)


@dataclass(frozen=True)
class Link:
    """One controlled connection of a signal: from CBEngine lane ``lane`` of the road in slot ``slot``, turning."""

    slot: int
    lane: int
    turn: int
    from_road: int
    to_road: int
    from_sumo_lane: int
    to_sumo_lane: int


def sumo_lane(road_lanes: int, cbengine_index: int) -> int:
    """SUMO lane index of CBEngine lane ``cbengine_index`` (CBEngine counts from the left, SUMO from the right)."""
    return road_lanes - 1 - cbengine_index


def signal_links(net: RoadNet, signal: int) -> list[Link]:
    """The signal's connections in link-index order: by incoming slot, lane (left to right), turn."""
    out_roads = net.signals[signal]
    links = []
    for slot, road_id in enumerate(net.in_roads(signal)):
        if road_id == -1:
            continue
        road = net.roads[road_id]
        n_in = len(road.lanes)
        for i, allowed in enumerate(road.lanes):
            for turn in (LEFT, STRAIGHT, RIGHT):
                target = out_roads[(slot + 1 + turn) % 4]
                if not allowed[turn] or target == -1:
                    continue
                n_out = len(net.roads[target].lanes)
                to_index = {LEFT: 0, RIGHT: n_out - 1}.get(turn, min(i, n_out - 1))
                links.append(Link(slot, i, turn, road_id, target, sumo_lane(n_in, i), sumo_lane(n_out, to_index)))
    return links


def signal_links_of(net: RoadNet) -> dict[int, list[Link]]:
    """Every signal's links in the road network's own order (slot, lane, turn)."""
    return {sid: signal_links(net, sid) for sid in net.signals}


def phase_state(links: list[Link], phase: int) -> str:
    """The SUMO state of CBEngine ``phase``: its movements ``G``, right turns ``g``, the rest ``r``."""
    moving = set(PHASE_MOVEMENTS[phase])
    return "".join("g" if l.turn == RIGHT else ("G" if (l.slot, l.turn) in moving else "r") for l in links)


def _positions(net: RoadNet) -> dict[int, tuple[float, float]]:
    """x, y in metres from latitude/longitude, scaled so that the median road is as long as the file says."""
    inters = net.intersections.values()
    lat0 = statistics.fmean(i.lat for i in inters)
    lon0 = statistics.fmean(i.lon for i in inters)
    k = math.cos(math.radians(lat0))
    raw = {i.id: ((i.lon - lon0) * 111_320.0 * k, (i.lat - lat0) * 110_540.0) for i in inters}
    ratios = [r.length / d for r in net.roads.values() if (d := math.dist(raw[r.start], raw[r.end])) > 1e-6]
    scale = statistics.median(ratios) if ratios else 1.0
    return {i: (x * scale, y * scale) for i, (x, y) in raw.items()}


@dataclass(frozen=True)
class CBEngineScenario:
    """A CBEngine simulator.cfg, read and converted to SUMO files."""

    config: SimulatorConfig
    roadnet: RoadNet
    flows: tuple[Flow, ...]
    network: NetworkFile
    folder: Path

    @cached_property
    def vehicles(self) -> list[tuple[int, int, tuple[int, ...]]]:
        """(vehicle id, departure time, route) in departure order, as the routes file has them."""
        trips = sorted(
            ((t, n, f.route) for n, f in enumerate(self.flows) for t in f.departures()), key=lambda x: (x[0], x[1])
        )
        return [(vid, t, route) for vid, (t, _, route) in enumerate(trips)]

    def free_flow_time(self, route: tuple[int, ...]) -> float:
        return sum(self.roadnet.roads[r].free_flow_time for r in route)

    @cached_property
    def links(self) -> dict[int, list[Link]]:
        """Each signal's controlled links in SUMO's link-index order (what its state strings follow)."""
        return order_links(signal_links_of(self.roadnet), self.network.net_file)


def load_scenario(cfg_path: str | Path, folder: Optional[Path] = None) -> CBEngineScenario:
    """Read a CBEngine simulator.cfg and build (once per content of its files) the SUMO scenario."""
    config = read_simulator_cfg(cfg_path)
    roadnet = read_roadnet(config.road_file)
    flows = tuple(read_flows(config.flow_file, roadnet.roads))
    key = hashlib.sha1(
        json.dumps([CONVERTER_VERSION, config.road_file.read_text(), config.flow_file.read_text()]).encode()
    ).hexdigest()[:12]
    folder = Path(folder) if folder else cache_dir() / "cbengine" / key
    net_file, route_file = folder / "cbengine.net.xml", folder / "cbengine.rou.xml"
    partial = CBEngineScenario(config, roadnet, flows, NetworkFile(net_file, (route_file,)), folder)
    if not net_file.is_file():
        _netconvert(roadnet, signal_links_of(roadnet), folder, net_file)
    if not route_file.is_file():
        _write_routes(partial, route_file)
    network = NetworkFile(
        net_file, (route_file,), begin=float(config.start_time), end=float(config.max_time), name=config.path.stem
    )
    return CBEngineScenario(config, roadnet, flows, network, folder)


def _netconvert(net: RoadNet, links: dict[int, list[Link]], folder: Path, out: Path) -> None:
    """Two passes: the roads and connections (netconvert numbers the links itself), then the lights' programs
    written in that numbering."""
    folder.mkdir(parents=True, exist_ok=True)
    pos = _positions(net)
    nodes = [
        {
            "id": str(i),
            "x": f"{pos[i][0]:.2f}",
            "y": f"{pos[i][1]:.2f}",
            "type": "traffic_light" if links.get(i) else "priority",
            "tl": str(i) if links.get(i) else None,
        }
        for i in net.intersections
    ]
    edges = [
        {
            "id": str(r.id),
            "from": str(r.start),
            "to": str(r.end),
            "numLanes": len(r.lanes),
            "speed": f"{r.speed_limit:g}",
            "length": f"{r.length:g}",
        }
        for r in net.roads.values()
    ]
    connections = [
        {"from": str(l.from_road), "to": str(l.to_road), "fromLane": l.from_sumo_lane, "toLane": l.to_sumo_lane}
        for rows in links.values()
        for l in rows
    ]
    files = {k: folder / f"cbengine.{k}.xml" for k in ("nod", "edg", "con", "tll")}
    files["nod"].write_text("<nodes>\n" + "".join(xml_element("node", n) for n in nodes) + "</nodes>\n")
    files["edg"].write_text("<edges>\n" + "".join(xml_element("edge", e) for e in edges) + "</edges>\n")
    files["con"].write_text(
        "<connections>\n" + "".join(xml_element("connection", c) for c in connections) + "</connections>\n"
    )
    roads_only = folder / "cbengine.roads.net.xml"
    _run_netconvert(
        folder,
        [
            "--node-files",
            str(files["nod"]),
            "--edge-files",
            str(files["edg"]),
            "--connection-files",
            str(files["con"]),
            "--offset.disable-normalization",
            "true",
            "--output-file",
            str(roads_only),
        ],
    )
    ordered = order_links(links, roads_only)
    programs = [
        f'  <tlLogic id="{sid}" type="static" programID="0" offset="0">\n'
        + "".join(f'    <phase duration="30" state="{state}"/>\n' for state in moving_phase_states(rows))
        + "  </tlLogic>\n"
        for sid, rows in ordered.items()
        if rows
    ]
    files["tll"].write_text("<additional>\n" + "".join(programs) + "</additional>\n")
    tmp = out.with_suffix(".tmp.xml")
    _run_netconvert(
        folder, ["--sumo-net-file", str(roads_only), "--tllogic-files", str(files["tll"]), "--output-file", str(tmp)]
    )
    tmp.replace(out)


def moving_phase_states(links: list[Link]) -> list[str]:
    """The states of the phases that move something at this signal (a phase whose roads are all missing would
    only show the permanent right turns: it is left out; asking for it keeps the current phase)."""
    states = [phase_state(links, p) for p in PHASES]
    moving = [s for s in states if "G" in s]
    return moving or states[:1]


def _run_netconvert(folder: Path, args: list[str]) -> None:
    done = subprocess.run([sumo_binary("netconvert"), "--no-warnings", "true", *args], capture_output=True, text=True)
    if done.returncode != 0:
        raise ConfigError(
            f"netconvert could not build the CBEngine road network ({folder}): {done.stderr.strip()[-800:]}"
        )


def order_links(links: dict[int, list[Link]], net_file: Path) -> dict[int, list[Link]]:
    """Each signal's links in the order of the link indices netconvert gave them in ``net_file``."""
    index: dict[tuple[str, int, str, int], int] = {}
    for _, node in ET.iterparse(str(net_file)):
        if node.tag == "connection" and node.get("tl") is not None:
            key = (node.get("from"), int(node.get("fromLane")), node.get("to"), int(node.get("toLane")))
            index[key] = int(node.get("linkIndex"))
        node.clear()
    ordered = {}
    for sid, rows in links.items():
        keyed = [(index.get((str(l.from_road), l.from_sumo_lane, str(l.to_road), l.to_sumo_lane)), l) for l in rows]
        if any(i is None for i, _ in keyed) or sorted(i for i, _ in keyed) != list(range(len(rows))):
            raise ConfigError(
                f"signal {sid}: the SUMO network's links do not match the road network's lanes and turns "
                f"({net_file}); please report this with your road network file."
            )
        ordered[sid] = [l for _, l in sorted(keyed, key=lambda x: x[0])]
    return ordered


def _write_routes(scenario: CBEngineScenario, out: Path) -> None:
    """One vehicle per departure; CBEngine's vehicles drive at the speed limit, without sigma or speed spread."""
    out.parent.mkdir(parents=True, exist_ok=True)
    lines = ['<routes>\n  <vType id="cbengine" sigma="0" speedDev="0" speedFactor="1"/>\n']
    for vid, depart, route in scenario.vehicles:
        lines.append(
            f'  <vehicle id="{vid}" type="cbengine" depart="{depart}" departLane="best" departSpeed="max">\n'
            f'    <route edges="{" ".join(str(r) for r in route)}"/>\n  </vehicle>\n'
        )
    lines.append("</routes>\n")
    tmp = out.with_suffix(".tmp")
    tmp.write_text("".join(lines))
    tmp.replace(out)


SCENARIO_SCHEMES["cbengine"] = lambda cfg: load_scenario(cfg).network  # scenario="cbengine:path/simulator.cfg"
