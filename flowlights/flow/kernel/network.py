"""Flow's ``k.network``: edges, lengths, speed limits and positions along the network."""

from __future__ import annotations

from typing import Any


class NetworkKernel:
    """Reads a built network (``flowlights.flow.networks.network.Network``) with Flow's method names."""

    def __init__(self, network: Any, edges: dict[str, dict[str, Any]]) -> None:
        self.network = network
        self._edges = edges
        self._edge_list = [e for e in edges if not e.startswith(":")]
        self._junction_list = [e for e in edges if e.startswith(":")]
        starts = network.edge_starts
        if starts is None:  # Flow's default: edges laid end to end in id order
            starts, x = [], 0.0
            for edge in sorted(self._edge_list):
                starts.append((edge, x))
                x += edges[edge]["length"]
        self.edgestarts = list(starts)
        internal = list(network.internal_edge_starts)
        if not internal:  # an internal edge starts where the edge entering it ends
            ends = {e: s + edges[e]["length"] for e, s in self.edgestarts if e in edges}
            internal = [(j, ends[_from]) for j, _from in _internal_from(edges, self._edge_list) if _from in ends]
        self.internal_edgestarts = internal
        self.total_edgestarts = sorted(self.edgestarts + self.internal_edgestarts, key=lambda t: t[1])
        self.total_edgestarts_dict = dict(self.total_edgestarts)
        self.rts = network.routes
        self._max_speed = max(edges[e]["speed"] for e in self._edge_list)
        self._length = sum(edges[e]["length"] for e in edges)
        self._non_internal = sum(edges[e]["length"] for e in self._edge_list)

    def get_edge_list(self) -> list[str]:
        return list(self._edge_list)

    def get_junction_list(self) -> list[str]:
        return list(self._junction_list)

    def edge_length(self, edge_id: str) -> float:
        return float(self._edges[edge_id]["length"]) if edge_id in self._edges else -1001.0

    def length(self) -> float:
        """All edges, internal ones included (Flow's ``length``)."""
        return self._length

    def non_internal_length(self) -> float:
        return self._non_internal

    def speed_limit(self, edge_id: str) -> float:
        return float(self._edges[edge_id]["speed"]) if edge_id in self._edges else -1001.0

    def max_speed(self) -> float:
        return self._max_speed

    def num_lanes(self, edge_id: str) -> int:
        return int(self._edges[edge_id]["lanes"]) if edge_id in self._edges else -1001

    def get_x(self, edge: str, position: float) -> float:
        """Position along the whole network (edge start + position); -1001 off the network (Flow's value)."""
        if not edge:
            return -1001.0
        if edge in self.total_edgestarts_dict:
            return self.total_edgestarts_dict[edge] + position
        return self.total_edgestarts_dict.get(edge.rsplit("_", 1)[0], -1001.0)

    def get_edge(self, x: float) -> tuple[str, float]:
        """The (edge, position) at position ``x`` along the network."""
        for edge, start in reversed(self.total_edgestarts):
            if x >= start:
                return edge, x - start
        return self.total_edgestarts[0][0], 0.0


def _internal_from(edges: dict[str, dict[str, Any]], normal: list[str]) -> list[tuple[str, str]]:
    """(internal edge, the normal edge entering it), from the ``from`` edges sumolib recorded."""
    return [(e, data["from"]) for e, data in edges.items() if e.startswith(":") and data.get("from") in normal]
