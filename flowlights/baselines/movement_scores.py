"""Controllers that score each green by the movements it serves and take the best one.

Shared by max-pressure and greedy (RESCO's MAXWAVE): movements come from the network
(``flowlights.networks.movements``), vehicle counts within range of the stop line — along the
approach, upstream across junctions without lights (``flowlights.networks.detection``) — from
``flowlights.sim.approach``. A green serves a movement when any of the movement's links is green
(G or g) in it. After min green the light takes the best-scoring green; a tie keeps the current one.
A controller with an ``extension`` score first holds the current green while that score of its
movements is at least 1 (gap-out, as actuated control: max green still ends the green), for at most
``hold_limit`` seconds of green when it sets one.
"""

from __future__ import annotations

from typing import Any, Optional

import numpy as np

from flowlights.baselines.base import LightDecider, SplitController, signal_reading
from flowlights.envs.traffic_light_env import TrafficLightEnv
from flowlights.features.green_choice import choose_green, hold_score
from flowlights.features.junction import lane_room
from flowlights.networks.detection import detection_zones
from flowlights.networks.movements import lane_sum_matrix, light_movements, served_matrix
from flowlights.signals.phases import GREEN
from flowlights.sim.approach import StopLineCounter


def green_link_matrix(greens: list[str], n_links: int) -> np.ndarray:
    """[green, link] = 1 where the link is green in that phase."""
    return np.array([[1.0 if state[i] in GREEN else 0.0 for i in range(n_links)] for state in greens])


class MovementScoreDecider(LightDecider):
    """Scores each movement from the light's counts (``score``: a MovementScoreController's
    ``movement_scores``), each green by the movements it serves; after min green, the best green
    (a tie keeps the current one). With ``extension`` (a movement score too), the current green is
    held while its movements' extension sums to at least 1 (for at most ``hold_limit`` seconds of green)."""

    def __init__(
        self, served: np.ndarray, score: Any, extension: Any = None, hold_limit: Optional[float] = None
    ) -> None:
        self.served, self.score, self.extension, self.hold_limit = served, score, extension, hold_limit

    def __call__(self, reading: dict[str, Any]) -> int:
        green = reading["green"]
        if not reading["can_switch"]:
            return green
        counts = {k: np.asarray(v) for k, v in reading.items() if k.startswith(("in_", "fed_", "out_"))}
        hold = None
        if self.extension is not None:
            extension = float(self.served[green] @ self.extension(counts))
            hold = hold_score(extension, float(reading["time_in_green"]), self.hold_limit)
        return choose_green(self.served @ self.score(counts), green, True, hold)


class MovementScoreController(SplitController):
    """Base: ``distance`` is the detection range in metres; subclasses define ``movement_scores``, a
    static function of one light's per-movement counts (``in_near``, ``in_queued``: vehicles within
    range on a movement's incoming lanes, all / those that waited; ``fed_near``, ``fed_queued``: the
    same on the lanes it feeds at the next controlled light; with ``spillback``, ``out_full``: 1 where
    a lane the movement leads into is full, ``lane_room``). ``extension``, a static function of the
    same counts or None, holds the current green while its movements' sum is >= 1 — for at most ``hold_limit``
    seconds of green, when not None."""

    env_overrides = {"action_mode": "phase"}
    distance = 200.0
    extension: Any = None
    hold_limit: Optional[float] = None
    spillback = False

    def prepare(self, env: TrafficLightEnv) -> None:
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
        if self.spillback:
            exits = {
                lane: k
                for k, lane in enumerate(
                    dict.fromkeys(
                        lane for t in lights for movement in self.movements[t] for lane in movement.exit_lanes
                    )
                )
            }
            self.exit_lanes = list(exits)
            self.exit_room = lane_room(np.array([topo.lanes[lane].length for lane in exits]))
            self.sum_exit = {t: lane_sum_matrix(self.movements[t], "exit_lanes", exits) for t in lights}

    @staticmethod
    def movement_scores(counts: dict[str, np.ndarray]) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError

    def sense(self, env: TrafficLightEnv, observations: dict[str, Any]) -> dict[str, dict[str, Any]]:
        """Each light's per-movement counts from one fresh reading of the stop-line zones."""
        near, queued, _ = self.counter.read(env.sim.api)
        if self.spillback:
            count = env.sim.api.lane.getLastStepVehicleNumber
            full = np.array([count(lane) for lane in self.exit_lanes], dtype=float) >= self.exit_room
        readings = {}
        for tls in env.agents:
            into, fed = self.sum_in[tls], self.sum_fed[tls]
            readings[tls] = {
                **signal_reading(env, tls),
                "in_near": (into @ near).tolist(),
                "in_queued": (into @ queued).tolist(),
                "fed_near": (fed @ near).tolist(),
                "fed_queued": (fed @ queued).tolist(),
            }
            if self.spillback:
                readings[tls]["out_full"] = ((self.sum_exit[tls] @ full) > 0).astype(float).tolist()
        return readings

    def decider(self, tls: str) -> LightDecider:
        cls = type(self)
        return MovementScoreDecider(self.served[tls], cls.movement_scores, cls.extension, cls.hold_limit)
