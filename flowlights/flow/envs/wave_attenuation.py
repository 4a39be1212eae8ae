"""Flow's ring-road wave attenuation (Wu et al., 2017): one RL vehicle among IDM humans damps stop-and-go waves.

WaveAttenuationEnv (all vehicles observed) and WaveAttenuationPOEnv (the RL vehicle's speed, its
leader's and the gap), with Flow's reward (mean speed, minus the RL accelerations) and, when
``additional_params['ring_length']`` = [min, max], a new ring length drawn at every reset.
"""

from __future__ import annotations

from typing import Any, Optional

import numpy as np
from gymnasium.spaces import Box

from flowlights.errors import ConfigError
from flowlights.flow.envs.base import Env
from flowlights.params.experiment import InitialConfig, NetParams

ADDITIONAL_ENV_PARAMS = {"max_accel": 1, "max_decel": 1, "ring_length": [220, 270]}


def require(env_params: Any, keys: Any, env_name: str) -> None:
    missing = [k for k in keys if k not in env_params.additional_params]
    if missing:
        raise ConfigError(
            f"{env_name}: EnvParams.additional_params misses {missing[0]!r}; it needs {', '.join(keys)} "
            f"(Flow's defaults: {dict((k, ADDITIONAL_ENV_PARAMS.get(k)) for k in keys)})."
        )


def accel_box(env_params: Any, size: int) -> Box:
    p = env_params.additional_params
    return Box(low=-abs(p["max_decel"]), high=p["max_accel"], shape=(size,), dtype=np.float32)


def redraw_ring(env: Any) -> None:
    """A new ring of a length drawn from ``ring_length`` = [min, max] (Flow: bunching 50, min_gap 0), SUMO restarted."""
    low, high = env.env_params.additional_params["ring_length"]
    length = int(env.np_random.integers(int(low), int(high) + 1))
    params = {**env.net_params.additional_params, "length": length}
    env.network = type(env.network)(
        env.network.orig_name,
        env.network.vehicles,
        NetParams(additional_params=params),
        InitialConfig(bunching=50, min_gap=0),
    )
    env.net_params, env.initial_config = env.network.net_params, env.network.initial_config
    env.restart_simulation()


def ring_reward(env: Any, rl_actions: Any, fail: bool) -> float:
    """Flow's wave-attenuation reward: 4 * mean speed / 20, minus 4 * mean |RL acceleration|."""
    vel = np.array([env.k.vehicle.get_speed(v) for v in env.k.vehicle.get_ids()], dtype=float)
    if fail or not vel.size or (vel < -100).any():
        return 0.0
    reward = 4.0 * float(np.mean(vel)) / 20
    values = list(rl_actions.values()) if isinstance(rl_actions, dict) else rl_actions
    mean_actions = float(np.mean(np.abs(np.array(values, dtype=float)))) if len(np.atleast_1d(values)) else 0.0
    return reward - 4.0 * mean_actions if mean_actions > 0 else reward


def leader_observation(env: Any, rl_id: str, headway: Optional[float] = None) -> np.ndarray:
    """[own speed, leader's speed - own, gap / max ring length] (speeds / 15 m/s)."""
    lead = env.k.vehicle.get_leader(rl_id) or rl_id
    bounds = env.env_params.additional_params.get("ring_length")
    max_length = bounds[1] if bounds is not None else env.k.network.length()
    speed = env.k.vehicle.get_speed(rl_id)
    if headway is None:
        headway = (env.k.vehicle.get_x_by_id(lead) - env.k.vehicle.get_x_by_id(rl_id)) % env.k.network.length()
    return np.array(
        [speed / 15.0, (env.k.vehicle.get_speed(lead) - speed) / 15.0, headway / max_length], dtype=np.float32
    )


class WaveAttenuationEnv(Env):
    """Every vehicle's speed and position observed; accelerations for every RL vehicle."""

    def __init__(self, env_params: Any, sim_params: Any, network: Any, simulator: str = "traci") -> None:
        require(env_params, ADDITIONAL_ENV_PARAMS, type(self).__name__)
        super().__init__(env_params, sim_params, network, simulator)

    @property
    def action_space(self) -> Box:
        return accel_box(self.env_params, self.initial_vehicles.num_rl_vehicles)

    @property
    def observation_space(self) -> Box:
        return Box(low=0, high=1, shape=(2 * self.initial_vehicles.num_vehicles,), dtype=np.float32)

    def _apply_rl_actions(self, rl_actions: Any) -> None:
        self.k.vehicle.apply_acceleration(self.k.vehicle.get_rl_ids(), np.atleast_1d(rl_actions))

    def compute_reward(self, rl_actions: Any, **kwargs: Any) -> float:
        return 0.0 if rl_actions is None else ring_reward(self, rl_actions, kwargs.get("fail", False))

    def get_state(self) -> np.ndarray:
        ids = self.k.vehicle.get_ids()
        speed = [self.k.vehicle.get_speed(v) / self.k.network.max_speed() for v in ids]
        pos = [self.k.vehicle.get_x_by_id(v) / self.k.network.length() for v in ids]
        return np.array(speed + pos, dtype=np.float32)

    def additional_command(self) -> None:
        if self.k.vehicle.num_rl_vehicles > 0:
            for veh_id in self.k.vehicle.get_human_ids():
                self.k.vehicle.set_observed(veh_id)

    def reset(self, seed: Optional[int] = None, options: Optional[dict] = None) -> tuple[Any, dict]:
        if seed is not None:
            self.np_random = np.random.default_rng(int(seed))
        if self.env_params.additional_params.get("ring_length") is not None:
            redraw_ring(self)
        return super().reset(seed=seed, options=options)


class WaveAttenuationPOEnv(WaveAttenuationEnv):
    """The one RL vehicle sees its speed, its leader's and the gap to it (any number of vehicles)."""

    @property
    def observation_space(self) -> Box:
        return Box(low=-float("inf"), high=float("inf"), shape=(3,), dtype=np.float32)

    def get_state(self) -> np.ndarray:
        return leader_observation(self, self.k.vehicle.get_rl_ids()[0])

    def additional_command(self) -> None:
        rl_id = self.k.vehicle.get_rl_ids()[0]
        self.k.vehicle.set_observed(self.k.vehicle.get_leader(rl_id) or rl_id)
