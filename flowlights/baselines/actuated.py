"""SUMO's own actuated (gap-based) and delay-based control, on programs built by the signal
controller from the same greens, yellow, all-red and min/max green as the agents use."""

from __future__ import annotations

from typing import Any

from flowlights.baselines.base import Controller, register_controller
from flowlights.envs.traffic_light_env import TrafficLightEnv


class SumoLogic(Controller):
    kind = "actuated"

    def reset(self, env: TrafficLightEnv) -> None:
        for tls in env.possible_agents:
            env.controller.hand_over_to_sumo(tls, self.kind)

    def act(self, env: TrafficLightEnv, observations: dict[str, Any]) -> dict[str, int]:
        return {}


@register_controller("actuated")
class Actuated(SumoLogic):
    kind = "actuated"


@register_controller("delay_based")
class DelayBased(SumoLogic):
    kind = "delay_based"
