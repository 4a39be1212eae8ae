"""SOTL, self-organizing traffic lights (Gershenson 2005; Cools et al. 2008).

Each light counts vehicle-seconds waiting behind its red (kappa). Once kappa reaches
``theta`` and min green has passed, it switches to the next green — unless a short platoon
(1..``mu`` vehicles) is about to cross on the current green, which it lets through.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from flowlights.baselines.base import Controller, register_controller
from flowlights.baselines.movement_scores import green_link_matrix
from flowlights.envs.traffic_light_env import TrafficLightEnv


@register_controller("sotl")
class SelfOrganizing(Controller):
    env_overrides = {"action_mode": "phase", "measures": ("count",)}
    theta = 60.0  # vehicle-seconds
    mu = 3

    def reset(self, env: TrafficLightEnv) -> None:
        self.kappa = {tls: 0.0 for tls in env.possible_agents}
        self.lane_green = {}
        for tls in env.possible_agents:
            view = env.views[tls]
            links = green_link_matrix(env.controller.machines[tls].greens, len(view.move_in))
            # [green, incoming lane] = 1 if any of the lane's movements is green
            lanes = np.zeros((links.shape[0], len(view.in_idx)))
            for link, pos in enumerate(view.move_in_pos):
                lanes[:, pos] = np.maximum(lanes[:, pos], links[:, link])
            self.lane_green[tls] = lanes

    def act(self, env: TrafficLightEnv, observations: dict[str, Any]) -> dict[str, int]:
        m, dt = env.measures, env.env_params.delta_time
        actions = {}
        for tls in env.agents:
            view, machine = env.views[tls], env.controller.machines[tls]
            green_lanes = self.lane_green[tls][machine.green]
            counts = m.count[view.in_idx]
            self.kappa[tls] += float(counts @ (1.0 - green_lanes)) * dt
            platoon = float(counts @ green_lanes)
            switch = machine.can_switch and self.kappa[tls] >= self.theta and not (0 < platoon <= self.mu)
            if switch:
                self.kappa[tls] = 0.0
                actions[tls] = (machine.green + 1) % len(machine.greens)
            else:
                actions[tls] = machine.green
        return actions
