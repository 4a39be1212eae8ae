"""Flow's MultiTrafficLightGridPOEnv: every light of TrafficLightGridNetwork is an agent.

Each light sees the ``num_observed`` nearest vehicles on its four approaches, its approaches'
density and mean speed, and the direction and yellow flag of itself and its four neighbours
(missing neighbours: direction 0, yellow 1); action Box(-1, 1) (> 0 switches) or Discrete(2);
every light gets the grid's reward divided by the number of lights.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium.spaces import Box, Discrete

from flowlights.flow.envs import rewards
from flowlights.flow.envs.multiagent.base import MultiEnv
from flowlights.flow.envs.traffic_light_grid import TrafficLightGridPOEnv

ADDITIONAL_ENV_PARAMS = {"num_local_lights": 4, "num_local_edges": 4}


class MultiTrafficLightGridPOEnv(TrafficLightGridPOEnv, MultiEnv):
    """Flow's multi-agent grid (agents ``center0`` ... ``center<n-1>``)."""

    def __init__(self, env_params: Any, sim_params: Any, network: Any, simulator: str = "traci") -> None:
        super().__init__(env_params, sim_params, network, simulator)
        self.num_local_lights = int(env_params.additional_params.get("num_local_lights", 4))
        self.num_local_edges = int(env_params.additional_params.get("num_local_edges", 4))

    @property
    def observation_space(self) -> Box:
        size = 3 * 4 * self.num_observed + 2 * self.num_local_edges + 2 * (1 + self.num_local_lights)
        return Box(low=0.0, high=1, shape=(size,), dtype=np.float32)

    @property
    def action_space(self) -> Any:
        return Discrete(2) if self.discrete else Box(low=-1, high=1, shape=(1,), dtype=np.float32)

    def get_state(self) -> dict[str, np.ndarray]:
        max_speed = max(self.k.network.speed_limit(e) for e in self.k.network.get_edge_list())
        per_light, observed = [], []
        for _, edges in self.network.node_mapping:
            s, d, n, o = self._approach_features(edges, max_speed, 1.0)
            per_light.append((s, d, n))
            observed += o
        density, velocity = self._edge_features(max_speed)
        self.observed_ids = observed
        direction = np.append(self.direction.ravel(), [0])
        yellow = np.append(self.currently_yellow.ravel(), [1])
        edge_list = self.k.network.get_edge_list()
        obs = {}
        for rl_id in self.k.traffic_light.get_ids():
            n = int(rl_id.split("center")[1])
            local_edges = [edge_list.index(e) for e in self.network.node_mapping[n][1]]
            near = [n] + [self._get_relative_node(rl_id, d) for d in ("top", "bottom", "left", "right")]
            s, d, num = per_light[n]
            obs[rl_id] = np.concatenate(
                [s, d, num, density[local_edges], velocity[local_edges], direction[near], yellow[near]]
            ).astype(np.float32)
        return obs

    def _apply_rl_actions(self, rl_actions: Any) -> None:
        for rl_id, action in rl_actions.items():
            switch = (
                bool(int(np.asarray(action).reshape(-1)[0]))
                if self.discrete
                else bool(np.asarray(action).reshape(-1)[0] > 0.0)
            )
            self._light_action(int(rl_id.split("center")[1]), switch)

    def compute_reward(self, rl_actions: Any, **kwargs: Any) -> dict[str, float]:
        if rl_actions is None:
            return {}
        reward = -rewards.min_delay_unscaled(self)
        if not self.env_params.evaluate:
            reward += rewards.penalize_standstill(self, gain=0.2)
        reward /= self.num_traffic_lights
        return {rl_id: reward for rl_id in rl_actions}
