"""SOTL, self-organizing traffic lights (Gershenson 2005; Cools et al. 2008).

Each light counts vehicle-seconds waiting behind its red (kappa). Once kappa reaches
``theta`` and min green has passed, it switches to the next green — unless a short platoon
(1..``mu`` vehicles) is about to cross on the current green, which it lets through.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from flowlights.baselines.base import LightDecider, SplitController, register_controller, signal_reading
from flowlights.baselines.movement_scores import green_link_matrix
from flowlights.envs.traffic_light_env import TrafficLightEnv


class SotlDecider(LightDecider):
    """One light's SOTL rule; kappa (vehicle-seconds waiting behind red) is its per-episode state."""

    def __init__(self, lane_green: np.ndarray, theta: float, mu: int) -> None:
        self.lane_green, self.theta, self.mu = lane_green, theta, mu
        self.kappa = 0.0

    def reset(self) -> None:
        self.kappa = 0.0

    def __call__(self, reading: dict[str, Any]) -> int:
        green, counts = reading["green"], np.asarray(reading["counts"])
        green_lanes = self.lane_green[green]
        self.kappa += float(counts @ (1.0 - green_lanes)) * reading["delta_time"]
        platoon = float(counts @ green_lanes)
        if reading["can_switch"] and self.kappa >= self.theta and not (0 < platoon <= self.mu):
            self.kappa = 0.0
            return (green + 1) % len(self.lane_green)
        return green


@register_controller("sotl")
class SelfOrganizing(SplitController):
    env_overrides = {"action_mode": "phase", "measures": ("count",)}
    theta = 60.0  # vehicle-seconds
    mu = 3

    def prepare(self, env: TrafficLightEnv) -> None:
        self.lane_green = {}
        for tls in env.possible_agents:
            view = env.views[tls]
            links = green_link_matrix(env.controller.machines[tls].greens, len(view.move_in))
            # [green, incoming lane] = 1 if any of the lane's movements is green
            lanes = np.zeros((links.shape[0], len(view.in_idx)))
            for link, pos in enumerate(view.move_in_pos):
                lanes[:, pos] = np.maximum(lanes[:, pos], links[:, link])
            self.lane_green[tls] = lanes

    def sense(self, env: TrafficLightEnv, observations: dict[str, Any]) -> dict[str, dict[str, Any]]:
        m, dt = env.measures, env.env_params.delta_time
        return {
            tls: {**signal_reading(env, tls), "counts": m.count[env.views[tls].in_idx].tolist(), "delta_time": dt}
            for tls in env.agents
        }

    def decider(self, tls: str) -> LightDecider:
        return SotlDecider(self.lane_green[tls], self.theta, self.mu)
