"""Flow's ring roads: RingNetwork (one ring of ``length`` metres) and MultiRingNetwork (``num_rings``
rings side by side), four 90-degree arcs each, with Flow's node, edge and route names."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from flowlights.errors import ConfigError
from flowlights.flow.networks.network import VEHICLE_LENGTH, Network

RING_PARAMS = ("length", "lanes", "speed_limit", "resolution")
SIDES = ("bottom", "right", "top", "left")  # counter-clockwise from the bottom node


def ring_params(net_params: Any, extra: tuple[str, ...] = ()) -> dict[str, Any]:
    params = dict(net_params.additional_params)
    missing = [p for p in RING_PARAMS + extra if p not in params]
    if missing:
        raise ConfigError(
            f"NetParams.additional_params misses {missing[0]!r}; a ring needs {', '.join(RING_PARAMS + extra)} "
            f"(e.g. length=230, lanes=1, speed_limit=30, resolution=40)."
        )
    if not params["length"] > 0 or params["lanes"] < 1 or params["resolution"] < 2:
        raise ConfigError(
            f"ring: length={params['length']!r} must be > 0, lanes={params['lanes']!r} >= 1, "
            f"resolution={params['resolution']!r} >= 2."
        )
    return params


def ring_parts(length: float, resolution: int, suffix: str = "", cx: float = 0.0, cy: float = 0.0) -> tuple[list, list]:
    """Nodes and four arc edges (``bottom``: bottom node to right node, ...) of one ring."""
    r = length / (2 * math.pi)
    points = {"bottom": (0, -r), "right": (r, 0), "top": (0, r), "left": (-r, 0)}
    nodes = [{"id": f"{s}{suffix}", "x": cx + points[s][0], "y": cy + points[s][1]} for s in SIDES]
    edges = []
    for i, side in enumerate(SIDES):
        t = np.linspace(-math.pi / 2 + i * math.pi / 2, i * math.pi / 2, resolution)
        edges.append(
            {
                "id": f"{side}{suffix}",
                "type": "edgeType",
                "from": f"{side}{suffix}",
                "to": f"{SIDES[(i + 1) % 4]}{suffix}",
                "length": length / 4,
                "shape": [(cx + r * math.cos(a), cy + r * math.sin(a)) for a in t],
            }
        )
    return nodes, edges


def ring_routes(suffix: str = "") -> dict[str, list[str]]:
    """From each edge once round the ring (ContinuousRouter goes on from there)."""
    return {f"{SIDES[i]}{suffix}": [f"{SIDES[(i + k) % 4]}{suffix}" for k in range(4)] for i in range(4)}


class RingNetwork(Network):
    """Flow's ring road: additional_params length, lanes, speed_limit, resolution."""

    def __init__(
        self, name: str, vehicles: Any, net_params: Any, initial_config: Any = None, traffic_lights: Any = None
    ) -> None:
        self.params = ring_params(net_params)
        super().__init__(name, vehicles, net_params, initial_config, traffic_lights)

    def specify_nodes(self, net_params: Any) -> list[dict[str, Any]]:
        return ring_parts(self.params["length"], self.params["resolution"])[0]

    def specify_edges(self, net_params: Any) -> list[dict[str, Any]]:
        return ring_parts(self.params["length"], self.params["resolution"])[1]

    def specify_types(self, net_params: Any) -> list[dict[str, Any]]:
        return [{"id": "edgeType", "numLanes": self.params["lanes"], "speed": self.params["speed_limit"]}]

    def specify_routes(self, net_params: Any) -> dict[str, list[str]]:
        return ring_routes()

    def specify_edge_starts(self) -> list[tuple[str, float]]:
        quarter = self.params["length"] / 4
        return [(side, i * quarter) for i, side in enumerate(SIDES)]


class MultiRingNetwork(Network):
    """Flow's ``num_rings`` rings on a square lattice: edges ``bottom_<i>`` ... ``left_<i>``; each ring
    gets the same number of the initial vehicles (``spacing='custom'``)."""

    def __init__(
        self, name: str, vehicles: Any, net_params: Any, initial_config: Any = None, traffic_lights: Any = None
    ) -> None:
        self.params = ring_params(net_params, ("num_rings",))
        self.num_rings = int(self.params["num_rings"])
        self.length = float(self.params["length"])
        super().__init__(name, vehicles, net_params, initial_config, traffic_lights)

    def _parts(self) -> tuple[list, list]:
        spacing = 4 * self.length / (2 * math.pi)
        side = math.ceil(math.sqrt(self.num_rings))
        nodes, edges = [], []
        for i in range(self.num_rings):
            n, e = ring_parts(
                self.length, self.params["resolution"], f"_{i}", (i // side) * spacing, (i % side) * spacing
            )
            nodes += n
            edges += e
        return nodes, edges

    def specify_nodes(self, net_params: Any) -> list[dict[str, Any]]:
        return self._parts()[0]

    def specify_edges(self, net_params: Any) -> list[dict[str, Any]]:
        return self._parts()[1]

    def specify_types(self, net_params: Any) -> list[dict[str, Any]]:
        return [{"id": "edgeType", "numLanes": self.params["lanes"], "speed": self.params["speed_limit"]}]

    def specify_routes(self, net_params: Any) -> dict[str, list[str]]:
        routes: dict[str, list[str]] = {}
        for i in range(self.num_rings):
            routes.update(ring_routes(f"_{i}"))
        return routes

    def specify_edge_starts(self) -> list[tuple[str, float]]:
        quarter = self.length / 4
        return [(f"{side}_{i}", (4 * i + k) * quarter) for i in range(self.num_rings) for k, side in enumerate(SIDES)]

    @staticmethod
    def gen_custom_start_pos(cls: Any, net_params: Any, initial_config: Any, num_vehicles: int) -> tuple[list, list]:
        """Evenly spaced vehicles, the same number on every ring (Flow's rule)."""
        rings = int(net_params.additional_params["num_rings"])
        length = float(net_params.additional_params["length"])
        if num_vehicles % rings:
            raise ConfigError(
                f"MultiRingNetwork: {num_vehicles} initial vehicles do not split evenly over {rings} rings."
            )
        per_ring = num_vehicles // rings
        gap = (length - initial_config.bunching) / per_ring
        if gap < VEHICLE_LENGTH + initial_config.min_gap:
            raise ConfigError(
                f"MultiRingNetwork: {per_ring} vehicles per ring do not fit on {length} m "
                f"with bunching={initial_config.bunching}."
            )
        positions, lanes = [], []
        for ring in range(rings):
            for k in range(per_ring):
                edge, pos = cls.get_edge(ring * length + (initial_config.x0 + k * gap) % length)
                positions.append((edge, pos))
                lanes.append(0)
        return positions, lanes
