"""Max-pressure (Varaiya 2013): after min green, pick the green whose movements have the
largest total pressure (vehicles on the incoming lane minus vehicles on the outgoing lane)."""
from __future__ import annotations

from typing import Any

import numpy as np

from flowlights.baselines.base import Controller, register_controller
from flowlights.envs.traffic_light_env import TrafficLightEnv
from flowlights.signals.phases import GREEN


def green_link_matrix(greens: list[str], n_links: int) -> np.ndarray:
    """[green, link] = 1 where the link is green in that phase."""
    return np.array([[1.0 if state[i] in GREEN else 0.0 for i in range(n_links)] for state in greens])


@register_controller("max_pressure")
class MaxPressure(Controller):
    env_overrides = {"action_mode": "phase", "measures": ("count", "outgoing")}

    def reset(self, env: TrafficLightEnv) -> None:
        self.matrix = {}
        for tls in env.possible_agents:
            view = env.views[tls]
            self.matrix[tls] = green_link_matrix(env.controller.machines[tls].greens, len(view.move_in))

    def act(self, env: TrafficLightEnv, observations: dict[str, Any]) -> dict[str, int]:
        m = env.measures
        actions = {}
        for tls in env.agents:
            view, machine = env.views[tls], env.controller.machines[tls]
            pressure = m.count[view.move_in] - m.count[view.move_out]
            scores = self.matrix[tls] @ pressure
            best = int(np.argmax(scores))
            actions[tls] = best if machine.can_switch and scores[best] > scores[machine.green] else machine.green
        return actions
