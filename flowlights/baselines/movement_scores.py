"""Controllers that score each green by the movements it serves and take the best one.

Shared by max-pressure and greedy (RESCO's MAXWAVE): movements come from the network
(``flowlights.networks.movements``), vehicle counts within range of the stop line — along the
approach, upstream across junctions without lights (``flowlights.networks.detection``) — from
``flowlights.sim.approach``. A green serves a movement when any of the movement's links is green
(G or g) in it. After min green the light takes the best-scoring green; a tie keeps the current one.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from flowlights.baselines.base import Controller
from flowlights.envs.traffic_light_env import TrafficLightEnv
from flowlights.networks.detection import detection_zones
from flowlights.networks.movements import Movement, light_movements
from flowlights.signals.phases import GREEN
from flowlights.sim.approach import StopLineCounter


def green_link_matrix(greens: list[str], n_links: int) -> np.ndarray:
    """[green, link] = 1 where the link is green in that phase."""
    return np.array([[1.0 if state[i] in GREEN else 0.0 for i in range(n_links)] for state in greens])


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


class MovementScoreController(Controller):
    """Base: ``distance`` is the detection range in metres; subclasses define ``movement_scores``."""

    env_overrides = {"action_mode": "phase"}
    distance = 200.0

    def reset(self, env: TrafficLightEnv) -> None:
        topo, lights = env.topology, env.possible_agents
        lanes = list(dict.fromkeys(lane for t in lights for lane in topo.lights[t].incoming_lanes))
        zones = detection_zones(topo, lanes, self.distance)
        lengths = {lane: topo.lanes[lane].length for zone in zones.values() for lane, _, _ in zone}
        self.counter = StopLineCounter(zones, lengths, self.distance)
        self.movements = {t: light_movements(topo, t, lights) for t in lights}
        index = self.counter.index
        self.served = {t: served_matrix(env.controller.machines[t].greens, self.movements[t]) for t in lights}
        self.sum_in = {t: lane_sum_matrix(self.movements[t], "in_lanes", index) for t in lights}
        self.sum_fed = {t: lane_sum_matrix(self.movements[t], "fed_lanes", index) for t in lights}

    def movement_scores(self, tls: str, near: np.ndarray, queued: np.ndarray) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError

    def green_scores(self, env: TrafficLightEnv) -> dict[str, np.ndarray]:
        """Each controlled light's score per green, from a fresh reading of the stop-line counts."""
        near, queued = self.counter.read(env.sim.api)
        return {t: self.served[t] @ self.movement_scores(t, near, queued) for t in env.agents}

    def act(self, env: TrafficLightEnv, observations: dict[str, Any]) -> dict[str, int]:
        actions = {}
        for tls, scores in self.green_scores(env).items():
            machine = env.controller.machines[tls]
            best = int(np.argmax(scores))
            actions[tls] = best if machine.can_switch and scores[best] > scores[machine.green] else machine.green
        return actions
