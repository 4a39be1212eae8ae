"""Movements of a traffic light, as max-pressure and greedy control count them.

A movement is the traffic from one incoming edge to one outgoing edge through a light: its
incoming lanes are the lanes with a link to that edge, and the lanes it *feeds* are the incoming
lanes of the next controlled light downstream (reached along the outgoing edge, through junctions
without a controlled light while the road does not branch), or none when no controlled light is
downstream — Varaiya's max-pressure and RESCO's implementation subtract only those.
Derived from the .net.xml for any network; no per-map table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Collection

import numpy as np

from flowlights.networks.topology import NetTopology
from flowlights.signals.phases import GREEN

MAX_HOPS = 5  # edges followed downstream through junctions without a controlled light


@dataclass(frozen=True)
class Movement:
    in_edge: str
    out_edge: str
    links: tuple[int, ...]  # the light's link indices serving it
    in_lanes: tuple[str, ...]  # incoming lanes with a link to out_edge
    fed_lanes: tuple[str, ...]  # downstream controlled light's lanes it feeds ('' if none)
    exit_lanes: tuple[str, ...] = ()  # the lanes of out_edge its links lead into


def _fed_lanes(
    topology: NetTopology, out_edge: str, owner: dict[str, str], incoming: dict[str, list[str]]
) -> tuple[str, ...]:
    """Incoming lanes of the first controlled light met going downstream from ``out_edge``."""
    edge, seen = out_edge, {out_edge}
    for _ in range(MAX_HOPS):
        junction = topology.edge_ends[edge][1]
        if junction in owner:
            return tuple(lane for lane in incoming[owner[junction]] if topology.lanes[lane].edge == edge)
        back = topology.edge_ends[edge][0]
        ahead = [e for e in topology.successors.get(edge, ()) if topology.edge_ends[e][1] != back and e not in seen]
        if len(ahead) != 1:
            return ()
        edge = ahead[0]
        seen.add(edge)
    return ()


def light_movements(topology: NetTopology, tls: str, controlled: Collection[str]) -> list[Movement]:
    """The movements of light ``tls``, in link order, with the lanes they feed among ``controlled`` lights."""
    owner = {j: t for t in controlled for j in topology.junctions_of(topology.lights[t])}
    incoming = {t: topology.lights[t].incoming_lanes for t in controlled}
    grouped: dict[tuple[str, str], list[tuple[int, str, str]]] = {}
    for index in sorted(topology.lights[tls].links):
        for in_lane, out_lane in topology.lights[tls].links[index]:
            key = (topology.lanes[in_lane].edge, topology.lanes[out_lane].edge)
            grouped.setdefault(key, []).append((index, in_lane, out_lane))
    return [
        Movement(
            in_edge,
            out_edge,
            tuple(dict.fromkeys(i for i, _, _ in pairs)),
            tuple(dict.fromkeys(lane for _, lane, _ in pairs)),
            _fed_lanes(topology, out_edge, owner, incoming),
            tuple(dict.fromkeys(out for _, _, out in pairs)),
        )
        for (in_edge, out_edge), pairs in grouped.items()
    ]


def served_matrix(greens: list[str], movements: list[Movement]) -> np.ndarray:
    """[green, movement] = 1 where the green serves the movement (any of its links green)."""
    return np.array([[1.0 if any(state[i] in GREEN for i in m.links) else 0.0 for m in movements] for state in greens])


def lane_sum_matrix(movements: list[Movement], attr: str, index: dict[str, int]) -> np.ndarray:
    """[movement, lane] = 1 for the lanes in ``getattr(movement, attr)``: a matrix product sums their counts."""
    out = np.zeros((len(movements), len(index)))
    for row, movement in enumerate(movements):
        for lane in getattr(movement, attr):
            out[row, index[lane]] = 1.0
    return out
