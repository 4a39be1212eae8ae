"""GridNetwork and ArterialNetwork: traffic-light grids built by SUMO's netgenerate.

Every inner junction gets a traffic light; each border junction gets an attached entry/exit
road so that all lights have four arms. ``demand`` builds matching InFlows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flowlights.errors import ConfigError
from flowlights.networks.demand import InFlows
from flowlights.networks.generated import GeneratedNetwork
from flowlights.networks.scenario_writer import write_scenario
from flowlights.networks.topology import read_net


@dataclass(frozen=True, kw_only=True)
class GridNetwork(GeneratedNetwork):
    """rows x cols traffic lights; block length and attached road length in metres, speed in m/s.

    lanes: lanes per direction on every road; turn_lanes: extra dedicated left-turn lanes;
    left_turns: False forbids left turns (netconvert's --no-left-connections).
    """

    rows: int = 2
    cols: int = 2
    length: float = 200.0
    attach_length: float = 200.0
    turn_lanes: int = 0
    left_turns: bool = True

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.rows < 1 or self.cols < 1:
            raise ConfigError(f"GridNetwork rows={self.rows!r}, cols={self.cols!r}: both must be >= 1.")
        if self.rows * self.cols < 2 and self.attach_length <= 0:
            raise ConfigError("a 1x1 grid needs attach_length > 0 to have roads at all.")
        if self.turn_lanes < 0 or self.length <= 0:
            raise ConfigError(f"turn_lanes={self.turn_lanes!r} must be >= 0 and length={self.length!r} > 0.")

    @property
    def stem(self) -> str:
        return f"grid{self.rows}x{self.cols}"

    def mode_args(self) -> list[str]:
        args = [
            "--grid",
            "--grid.x-number",
            str(self.cols),
            "--grid.y-number",
            str(self.rows),
            "--grid.x-length",
            f"{self.length:g}",
            "--grid.y-length",
            f"{self.length:g}",
            "--grid.attach-length",
            f"{self.attach_length:g}",
        ]
        if self.turn_lanes:
            args += ["--turn-lanes", str(self.turn_lanes)]
        if not self.left_turns:
            args += ["--no-left-connections", "true"]
        return args

    def route_missing_destinations(self, net_file: Path, inflows: InFlows) -> InFlows:
        """Flows that name no destination (Flow's style) go straight through the grid, as Flow's GridRouter."""
        straight = {entry: exits[0] for entry, exits in _routes_from_entries(read_net(net_file)).items()}
        for flow in inflows.flows:
            if flow.to is None:
                if flow.edge not in straight:
                    raise ConfigError(
                        f"flow on {flow.edge!r}: not an entry road of the grid; entries: {', '.join(sorted(straight))}."
                    )
                flow.to = straight[flow.edge]
        return inflows

    def demand(
        self,
        net_file: Path,
        vehs_per_hour: float = 300.0,
        straight_share: float = 0.7,
        begin: float = 0.0,
        end: float = 3600.0,
        main_axis_factor: float = 1.0,
        pedestrians_per_hour: float = 0.0,
    ) -> InFlows:
        """Flows from every entry road: ``straight_share`` goes straight through, the rest turns
        (split evenly over the other exits). West-east entries are scaled by ``main_axis_factor``.
        ``pedestrians_per_hour``: also people walking from every entry road to the exit straight ahead
        (along the sidewalks, over every junction's crossings; needs ``pedestrians=True``)."""
        if pedestrians_per_hour and not self.pedestrians:
            raise ConfigError(
                "pedestrians_per_hour needs sidewalks and crossings: build the grid with pedestrians=True."
            )
        topo = read_net(net_file)
        xy = topo.junction_xy
        inflows = InFlows()
        for entry, (straight, others) in sorted(_routes_from_entries(topo).items()):
            f, t = topo.edge_ends[entry]
            heading = (xy[t][0] - xy[f][0], xy[t][1] - xy[f][1])
            rate = vehs_per_hour * (main_axis_factor if abs(heading[0]) > abs(heading[1]) else 1.0)
            inflows.add(
                entry, to=straight, vehs_per_hour=rate * (straight_share if others else 1.0), begin=begin, end=end
            )
            for exit_edge in others:
                inflows.add(
                    entry, to=exit_edge, vehs_per_hour=rate * (1 - straight_share) / len(others), begin=begin, end=end
                )
            if pedestrians_per_hour:
                inflows.add_pedestrians(entry, straight, pedestrians_per_hour, begin=begin, end=end)
        return inflows


def write_grid_scenario(
    folder: Path,
    rows: int,
    cols: int,
    lanes: int = 1,
    length: float = 200.0,
    vehs_per_hour: float = 300.0,
    end: float = 3600.0,
    pedestrians_per_hour: float = 0.0,
) -> Path:
    """A scenario folder (net, flows from every entry road, .sumocfg named after the folder); returns the cfg.

    The same flow enters on every entry road, so every junction sees about the same traffic
    whatever the grid size: the load grows in proportion to the number of lights. With
    ``pedestrians_per_hour``, sidewalks and signalised crossings, and people walking from every entry road."""
    grid = GridNetwork(rows=rows, cols=cols, lanes=lanes, length=length, pedestrians=pedestrians_per_hour > 0)
    net = grid.build()
    demand = grid.demand(net, vehs_per_hour=vehs_per_hour, end=end, pedestrians_per_hour=pedestrians_per_hour)
    return write_scenario(folder, folder.name, net, demand, end=end)


def _routes_from_entries(topo: Any) -> dict[str, tuple[str, list[str]]]:  # topo: a NetTopology
    """For each entry road of a grid: the exit straight ahead, and the other exits (not back where it came from)."""
    xy = topo.junction_xy
    fringe = {j for j, t in topo.junction_types.items() if t == "dead_end"}
    entries = [e for e, (f, _) in topo.edge_ends.items() if f in fringe]
    exits = [e for e, (_, t) in topo.edge_ends.items() if t in fringe]
    routes = {}
    for entry in entries:
        f, t = topo.edge_ends[entry]
        heading = (xy[t][0] - xy[f][0], xy[t][1] - xy[f][1])
        reverse = next((e for e in exits if topo.edge_ends[e][1] == f), None)  # back where it came from
        candidates = [e for e in exits if e != reverse]
        straight = max(
            candidates, key=lambda e: _alignment(heading, xy[topo.edge_ends[e][0]], xy[topo.edge_ends[e][1]], xy[f])
        )
        routes[entry] = (straight, [e for e in candidates if e != straight])
    return routes


def _alignment(
    heading: tuple[float, float], a: tuple[float, float], b: tuple[float, float], origin: tuple[float, float]
) -> float:
    """How well the road a->b continues ``heading`` on the line through ``origin`` (higher is better)."""
    d = (b[0] - a[0], b[1] - a[1])
    cos = (heading[0] * d[0] + heading[1] * d[1]) / (math.hypot(*heading) * math.hypot(*d) or 1.0)
    off_line = abs(heading[0] * (b[1] - origin[1]) - heading[1] * (b[0] - origin[0])) / (math.hypot(*heading) or 1.0)
    return cos - off_line / 1e4


@dataclass(frozen=True, kw_only=True)
class ArterialNetwork(GridNetwork):
    """A 1 x n arterial: one west-east main road crossed by n side streets."""

    rows: int = 1
    cols: int = 4
    lanes: int = 2
