"""Flow's multi-agent ring roads: every RL vehicle is an agent (observations as WaveAttenuationPOEnv).

MultiWaveAttenuationPOEnv (MultiRingNetwork: each agent rewarded by its own ring's speeds against
``target_velocity``) and MultiAgentWaveAttenuationPOEnv (one ring, the shared wave-attenuation reward).
"""

from __future__ import annotations

from typing import Any, Optional

import numpy as np
from gymnasium.spaces import Box

from flowlights.flow.envs.multiagent.base import MultiEnv
from flowlights.flow.envs.wave_attenuation import (
    ADDITIONAL_ENV_PARAMS,
    accel_box,
    leader_observation,
    redraw_ring,
    require,
    ring_reward,
)


class _RingAgents(MultiEnv):
    def __init__(self, env_params: Any, sim_params: Any, network: Any, simulator: str = "traci") -> None:
        require(env_params, ADDITIONAL_ENV_PARAMS, type(self).__name__)
        super().__init__(env_params, sim_params, network, simulator)

    def get_state(self) -> dict[str, np.ndarray]:
        return {
            rl_id: leader_observation(self, rl_id, self.k.vehicle.get_headway(rl_id))
            for rl_id in self.k.vehicle.get_rl_ids()
        }

    def _apply_rl_actions(self, rl_actions: Any) -> None:
        if rl_actions:
            self.k.vehicle.apply_acceleration(list(rl_actions), list(rl_actions.values()))

    def additional_command(self) -> None:
        for rl_id in self.k.vehicle.get_rl_ids():
            self.k.vehicle.set_observed(self.k.vehicle.get_leader(rl_id) or rl_id)


class MultiWaveAttenuationPOEnv(_RingAgents):
    """Several rings (MultiRingNetwork), an RL vehicle on each; reward: own ring's speeds near ``target_velocity``."""

    @property
    def observation_space(self) -> Box:
        return Box(low=-1, high=1, shape=(3,), dtype=np.float32)

    @property
    def action_space(self) -> Box:
        rings = int(self.net_params.additional_params.get("num_rings", 1))
        return accel_box(self.env_params, max(1, self.initial_vehicles.num_rl_vehicles // rings))

    def compute_reward(self, rl_actions: Any, **kwargs: Any) -> dict[str, float]:
        if rl_actions is None:
            return {}
        target = self.env_params.additional_params["target_velocity"]
        rewards = {}
        for rl_id in rl_actions:
            ring = rl_id.split("_")[1]
            ids = self.k.vehicle.get_ids_by_edge([f"{side}_{ring}" for side in ("top", "left", "right", "bottom")])
            vel = np.array([self.k.vehicle.get_speed(v) for v in ids], dtype=float)
            if kwargs.get("fail") or not vel.size or (vel < -100).any():
                rewards[rl_id] = 0.0
                continue
            max_cost = np.linalg.norm(np.full(vel.size, target, dtype=float))
            rewards[rl_id] = float(max(max_cost - np.linalg.norm(vel - target), 0) / max_cost)
        return rewards


class MultiAgentWaveAttenuationPOEnv(_RingAgents):
    """One ring, several RL vehicles; each gets the shared wave-attenuation reward; ring length redrawn per reset."""

    @property
    def observation_space(self) -> Box:
        return Box(low=-5, high=5, shape=(3,), dtype=np.float32)

    @property
    def action_space(self) -> Box:
        return accel_box(self.env_params, 1)

    def compute_reward(self, rl_actions: Any, **kwargs: Any) -> dict[str, float]:
        if rl_actions is None:
            return {}
        reward = ring_reward(self, rl_actions, kwargs.get("fail", False))
        return {rl_id: reward for rl_id in self.k.vehicle.get_rl_ids()}

    def reset(self, seed: Optional[int] = None, options: Optional[dict] = None) -> tuple[dict, dict]:
        if seed is not None:
            self.np_random = np.random.default_rng(int(seed))
        if self.env_params.additional_params.get("ring_length") is not None:
            redraw_ring(self)
        return super().reset(seed=seed, options=options)
