"""Flow's TrafficLightGridNetwork: ``row_num`` x ``col_num`` lights named ``center<i>``, straight-only
connections, Flow's edge names (``bot<row>_<col>`` eastbound, ``top`` westbound, ``right`` northbound,
``left`` southbound) and routes straight through, from ``net_params.additional_params["grid_array"]``."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import numpy as np

from flowlights.errors import ConfigError
from flowlights.flow.networks.network import Network

GRID_KEYS = (
    "row_num",
    "col_num",
    "inner_length",
    "short_length",
    "long_length",
    "cars_top",
    "cars_bot",
    "cars_left",
    "cars_right",
)
NET_KEYS = ("grid_array", "horizontal_lanes", "vertical_lanes", "speed_limit")


class TrafficLightGridNetwork(Network):
    """Flow's grid of traffic lights (``traffic_lights=False`` in additional_params: priority junctions)."""

    def __init__(
        self, name: str, vehicles: Any, net_params: Any, initial_config: Any = None, traffic_lights: Any = None
    ) -> None:
        params = net_params.additional_params
        missing = [k for k in NET_KEYS if k not in params] or [k for k in GRID_KEYS if k not in params["grid_array"]]
        if missing:
            raise ConfigError(
                f"TrafficLightGridNetwork: additional_params misses {missing[0]!r}; it needs {', '.join(NET_KEYS)} "
                f"and grid_array with {', '.join(GRID_KEYS)}."
            )
        grid = params["grid_array"]
        self.grid_array = grid
        self.row_num, self.col_num = int(grid["row_num"]), int(grid["col_num"])
        self.inner_length, self.short_length, self.long_length = (
            grid["inner_length"],
            grid["short_length"],
            grid["long_length"],
        )
        self.horizontal_lanes, self.vertical_lanes = int(params["horizontal_lanes"]), int(params["vertical_lanes"])
        speed = params["speed_limit"]
        self.speed_limit = speed if isinstance(speed, dict) else {"horizontal": speed, "vertical": speed}
        self.use_traffic_lights = params.get("traffic_lights", True)
        self.inner_nodes_radius = 2.9 + 3.3 * max(self.vertical_lanes, self.horizontal_lanes)
        self.num_edges = 4 * ((self.col_num + 1) * self.row_num + self.col_num)
        super().__init__(name, vehicles, net_params, initial_config, traffic_lights)

    def specify_nodes(self, net_params: Any) -> list[dict[str, Any]]:
        kind = "traffic_light" if self.use_traffic_lights else "priority"
        nodes = [
            {
                "id": f"center{r * self.col_num + c}",
                "x": c * self.inner_length,
                "y": r * self.inner_length,
                "type": kind,
                "radius": self.inner_nodes_radius,
            }
            for r in range(self.row_num)
            for c in range(self.col_num)
        ]
        top_y, right_x = (self.row_num - 1) * self.inner_length, (self.col_num - 1) * self.inner_length
        for c in range(self.col_num):
            x = c * self.inner_length
            nodes += [
                {"id": f"bot_col_short{c}", "x": x, "y": -self.short_length},
                {"id": f"bot_col_long{c}", "x": x, "y": -self.long_length},
                {"id": f"top_col_short{c}", "x": x, "y": top_y + self.short_length},
                {"id": f"top_col_long{c}", "x": x, "y": top_y + self.long_length},
            ]
        for r in range(self.row_num):
            y = r * self.inner_length
            nodes += [
                {"id": f"left_row_short{r}", "x": -self.short_length, "y": y},
                {"id": f"left_row_long{r}", "x": -self.long_length, "y": y},
                {"id": f"right_row_short{r}", "x": right_x + self.short_length, "y": y},
                {"id": f"right_row_long{r}", "x": right_x + self.long_length, "y": y},
            ]
        for node in nodes:
            node.setdefault("type", "priority")
        return nodes

    def specify_edges(self, net_params: Any) -> list[dict[str, Any]]:
        def edge(eid: str, a: str, b: str, kind: str, length: float) -> dict[str, Any]:
            return {"id": eid, "type": kind, "priority": 78, "from": a, "to": b, "length": length}

        cols, rows, inner = self.col_num, self.row_num, self.inner_length
        edges = []
        for r in range(rows):
            for c in range(cols - 1):
                n = r * cols + c
                edges += [
                    edge(f"top{r}_{c + 1}", f"center{n + 1}", f"center{n}", "horizontal", inner),
                    edge(f"bot{r}_{c + 1}", f"center{n}", f"center{n + 1}", "horizontal", inner),
                ]
        for r in range(rows - 1):
            for c in range(cols):
                n = r * cols + c
                edges += [
                    edge(f"right{r + 1}_{c}", f"center{n}", f"center{n + cols}", "vertical", inner),
                    edge(f"left{r + 1}_{c}", f"center{n + cols}", f"center{n}", "vertical", inner),
                ]
        for c in range(cols):
            top = (rows - 1) * cols + c
            edges += [
                edge(f"right0_{c}", f"bot_col_short{c}", f"center{c}", "vertical", self.short_length),
                edge(f"left0_{c}", f"center{c}", f"bot_col_long{c}", "vertical", self.long_length),
                edge(f"left{rows}_{c}", f"top_col_short{c}", f"center{top}", "vertical", self.short_length),
                edge(f"right{rows}_{c}", f"center{top}", f"top_col_long{c}", "vertical", self.long_length),
            ]
        for r in range(rows):
            first, last = r * cols, (r + 1) * cols - 1
            edges += [
                edge(f"bot{r}_0", f"left_row_short{r}", f"center{first}", "horizontal", self.short_length),
                edge(f"top{r}_0", f"center{first}", f"left_row_long{r}", "horizontal", self.long_length),
                edge(f"top{r}_{cols}", f"right_row_short{r}", f"center{last}", "horizontal", self.short_length),
                edge(f"bot{r}_{cols}", f"center{last}", f"right_row_long{r}", "horizontal", self.long_length),
            ]
        return edges

    def specify_types(self, net_params: Any) -> list[dict[str, Any]]:
        return [
            {"id": "horizontal", "numLanes": self.horizontal_lanes, "speed": self.speed_limit["horizontal"]},
            {"id": "vertical", "numLanes": self.vertical_lanes, "speed": self.speed_limit["vertical"]},
        ]

    def specify_connections(self, net_params: Any) -> dict[str, list[dict[str, Any]]]:
        """Straight on only, lane to lane (Flow's grid: 4 links per light with one lane each way)."""
        out = {}
        for r in range(self.row_num):
            for c in range(self.col_num):
                here, east, north = f"{r}_{c}", f"{r}_{c + 1}", f"{r + 1}_{c}"
                conns = []
                for lane in range(self.horizontal_lanes):
                    conns += [
                        {"from": f"bot{here}", "to": f"bot{east}", "fromLane": lane, "toLane": lane},
                        {"from": f"top{east}", "to": f"top{here}", "fromLane": lane, "toLane": lane},
                    ]
                for lane in range(self.vertical_lanes):
                    conns += [
                        {"from": f"right{here}", "to": f"right{north}", "fromLane": lane, "toLane": lane},
                        {"from": f"left{north}", "to": f"left{here}", "fromLane": lane, "toLane": lane},
                    ]
                out[f"center{r * self.col_num + c}"] = conns
        return out

    def specify_routes(self, net_params: Any) -> dict[str, list[str]]:
        routes: dict[str, list[str]] = defaultdict(list)
        for r in range(self.row_num):
            for k in range(self.col_num + 1):
                routes[f"bot{r}_0"].append(f"bot{r}_{k}")
                routes[f"top{r}_{self.col_num}"].append(f"top{r}_{self.col_num - k}")
        for c in range(self.col_num):
            for k in range(self.row_num + 1):
                routes[f"left{self.row_num}_{c}"].append(f"left{self.row_num - k}_{c}")
                routes[f"right0_{c}"].append(f"right{k}_{c}")
        return dict(routes)

    def specify_edge_starts(self) -> list[tuple[str, float]]:
        """Flow's nominal edge starts for the grid (spread out so edges never overlap)."""
        starts = []
        for c in range(self.col_num + 1):
            for r in range(self.row_num + 1):
                index, base = f"{r}_{c}", c * 50 + r * 5000
                if c != self.col_num:
                    starts += [(f"left{index}", base), (f"right{index}", base + 10)]
                if r != self.row_num:
                    starts += [(f"top{index}", base + 15), (f"bot{index}", base + 20)]
        return starts

    @staticmethod
    def gen_custom_start_pos(cls: Any, net_params: Any, initial_config: Any, num_vehicles: int) -> tuple[list, list]:
        """Flow's grid placement: ``cars_*`` vehicles on each entry edge, 10 m apart from 6 m."""
        params = net_params.additional_params
        grid = params["grid_array"]
        rows, cols = grid["row_num"], grid["col_num"]
        rng = np.random.default_rng(0)
        positions, lanes = [], []
        for c in range(cols):
            for eid, count in ((f"right0_{c}", grid["cars_right"]), (f"left{rows}_{c}", grid["cars_left"])):
                positions += [(eid, 6 + 10 * k) for k in range(count)]
                lanes += rng.integers(0, params["vertical_lanes"], count).tolist()
        for r in range(rows):
            for eid, count in ((f"top{r}_{cols}", grid["cars_top"]), (f"bot{r}_0", grid["cars_bot"])):
                positions += [(eid, 6 + 10 * k) for k in range(count)]
                lanes += rng.integers(0, params["horizontal_lanes"], count).tolist()
        return positions[:num_vehicles], lanes[:num_vehicles]

    @property
    def node_mapping(self) -> list[tuple[str, list[str]]]:
        """Each light with its incoming edges (left, bottom, right, top), sorted by light id (Flow's order)."""
        mapping = {}
        for r in range(self.row_num):
            for c in range(self.col_num):
                mapping[f"center{r * self.col_num + c}"] = [
                    f"bot{r}_{c}",
                    f"right{r}_{c}",
                    f"top{r}_{c + 1}",
                    f"left{r + 1}_{c}",
                ]
        return sorted(mapping.items(), key=lambda item: item[0])
