"""JunctionView: what observation and reward functions see of one controlled light."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from flowlights.signals.machine import PhaseMachine
from flowlights.signals.phases import GREEN

VEHICLE_SPACE = 7.5  # metres a vehicle occupies in a queue (length + gap), as in sumo-rl


def lane_room(length: float | np.ndarray) -> float | np.ndarray:
    """Vehicles on a lane at which it counts as full, for spill-back: fewer than two more fit — its length over
    ``VEHICLE_SPACE`` less two, at least 0.5 (one vehicle fills a lane under 18.75 m). Two, not one: a green
    lets a platoon go. On RESCO's ingolstadt21 (protocol resco, greedy_spillback, seeds 100-114 and 200-204)
    less one gave 93.9 s resco_delay (one lock-up: 496.5 s), less two 65.5 s (none, at most 94.7 s), less
    three 115.3 s."""
    return np.maximum(np.asarray(length, dtype=float) / VEHICLE_SPACE - 2.0, 0.5)


@dataclass
class JunctionView:
    """Indices of a light's lanes in the sensor's arrays, its lane geometry, its machine and neighbours.

    ``in_idx``/``out_idx``: incoming / outgoing lanes; ``move_in``/``move_out``: one entry per
    link index pointing at its incoming and outgoing lane; ``green_lanes``: which incoming
    lanes each green lets go (any of the lane's links green in it); ``served``, ``movement_lanes``,
    ``movement_exits``: the light's movements (``flowlights.networks.movements``: incoming edge to
    outgoing edge) — which greens serve each, its incoming lanes and the outgoing lanes it leads into;
    ``movement_fed`` the incoming lanes of the next controlled light each feeds (``fed_idx``: where they are in the
    sensor's arrays), which max-pressure subtracts.
    """

    tls_id: str
    machine: PhaseMachine
    step_length: float
    in_idx: np.ndarray
    out_idx: np.ndarray
    move_in: np.ndarray
    move_out: np.ndarray
    in_length: np.ndarray
    in_speed_limit: np.ndarray
    out_length: np.ndarray
    neighbours: list[PhaseMachine] = field(default_factory=list)
    max_neighbours: int = 4
    peers: list["JunctionView"] = field(default_factory=list)  # the other lights of its cluster
    max_peers: int = 0
    max_greens: int = 1
    nearest_k: int = 2
    detection_distance: float = 200.0
    detector_capacity: np.ndarray = field(
        default_factory=lambda: np.zeros(0)
    )  # per incoming lane (EnvParams.detectors)
    walk_idx: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))  # its walking areas (crossings)
    vehicle_pos: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))  # positions in in_idx of road lanes
    pedestrian_weight: float = 1.0
    green_lanes: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))  # [green, in lane] 1: a link of it green
    served: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))  # [green, movement] 1: it serves the movement
    movement_lanes: np.ndarray = field(
        default_factory=lambda: np.zeros((0, 0))
    )  # [movement, in lane]: its incoming lanes
    movement_exits: np.ndarray = field(
        default_factory=lambda: np.zeros((0, 0))
    )  # [movement, out lane]: lanes it leads into
    fed_idx: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))  # sensor indices of the lanes it feeds
    movement_fed: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))  # [movement, fed lane]: lanes it feeds

    @property
    def n_greens(self) -> int:
        return len(self.machine.greens)

    def __post_init__(self) -> None:
        self.in_capacity = np.maximum(self.in_length / VEHICLE_SPACE, 1.0)
        self.out_capacity = np.maximum(self.out_length / VEHICLE_SPACE, 1.0)
        self.out_room = lane_room(self.out_length)
        # the most (movement, incoming lane) pairs a green serves: the scale of per-green movement sums
        self.widest_movement_lanes = max(float((self.served @ self.movement_lanes).sum(axis=1).max(initial=0.0)), 1.0)
        self.move_in_pos = _positions(self.in_idx, self.move_in)
        self.move_out_pos = _positions(self.out_idx, self.move_out)


def _positions(lanes: np.ndarray, picks: np.ndarray) -> np.ndarray:
    """Where each of ``picks`` stands in ``lanes`` (both are indices into the sensor's arrays)."""
    where = {int(lane): k for k, lane in enumerate(lanes)}
    return np.array([where[int(i)] for i in picks], dtype=int)


def green_lanes(greens: list[str], links: dict[int, list[tuple[str, str]]], incoming: list[str]) -> np.ndarray:
    """[green, incoming lane] = 1 where the green lets the lane go: one of its links (``links``: link index ->
    (incoming, outgoing) lane pairs, as SUMO lists a light's controlled links) is green (G or g) in it."""
    row = {lane: k for k, lane in enumerate(incoming)}
    out = np.zeros((len(greens), len(incoming)))
    for g, state in enumerate(greens):
        for index, pairs in links.items():
            if index < len(state) and state[index] in GREEN:
                for lane, _ in pairs:
                    out[g, row[lane]] = 1.0
    return out
