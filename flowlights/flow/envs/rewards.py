"""Flow's reward functions (``flow.core.rewards``) over ``env.k``, with Flow's formulas."""

from __future__ import annotations

from typing import Any, Optional

import numpy as np

EPS = float(np.finfo(np.float32).eps)


def _speeds(env: Any, veh_ids: Optional[list[str]] = None) -> np.ndarray:
    ids = env.k.vehicle.get_ids() if veh_ids is None else veh_ids
    return np.array(env.k.vehicle.get_speed(ids), dtype=float)


def _top_speed(env: Any) -> float:
    return max(env.k.network.speed_limit(edge) for edge in env.k.network.get_edge_list())


def desired_velocity(env: Any, fail: bool = False, edge_list: Optional[list[str]] = None) -> float:
    """1 when every vehicle drives at ``additional_params['target_velocity']``, towards 0 further away."""
    ids = env.k.vehicle.get_ids() if edge_list is None else env.k.vehicle.get_ids_by_edge(edge_list)
    vel = _speeds(env, ids)
    if fail or not len(ids) or (vel < -100).any():
        return 0.0
    target = env.env_params.additional_params["target_velocity"]
    max_cost = np.linalg.norm(np.full(len(ids), target, dtype=float))
    cost = np.linalg.norm(vel - target)
    return float(max(max_cost - cost, 0) / (max_cost + EPS))


def average_velocity(env: Any, fail: bool = False) -> float:
    vel = _speeds(env)
    if fail or not len(vel) or (vel < -100).any():
        return 0.0
    return float(np.mean(vel))


def rl_forward_progress(env: Any, gain: float = 0.1) -> float:
    return float(np.linalg.norm(_speeds(env, env.k.vehicle.get_rl_ids()), 1) * gain)


def boolean_action_penalty(discrete_actions: Any, gain: float = 1.0) -> float:
    return float(gain * np.sum(discrete_actions))


def min_delay(env: Any) -> float:
    """1 at the top speed, towards 0 standing (Flow's scaled delay)."""
    vel = _speeds(env)
    vel = vel[vel >= -1e-6]
    top = _top_speed(env)
    max_cost = env.sim_step * vel.size
    cost = env.sim_step * float(np.sum((top - vel) / top))
    return float(max((max_cost - cost) / (max_cost + EPS), 0))


def min_delay_unscaled(env: Any) -> float:
    """Mean delay per vehicle in this step, in seconds of lost time per second."""
    vel = _speeds(env)
    vel = vel[vel >= -1e-6]
    top = _top_speed(env)
    return float(env.sim_step * np.sum((top - vel) / top) / (env.k.vehicle.num_vehicles + EPS))


def avg_delay_specified_vehicles(env: Any, veh_ids: list[str]) -> float:
    total = 0.0
    for edge in env.k.network.get_edge_list():
        top = env.k.network.speed_limit(edge)
        total += sum((top - env.k.vehicle.get_speed(v)) / top for v in env.k.vehicle.get_ids_by_edge(edge))
    return env.sim_step * total / len(veh_ids) if veh_ids else 0.0


def penalize_standstill(env: Any, gain: float = 1) -> float:
    return -float(gain * np.sum(_speeds(env) == 0))


def penalize_near_standstill(env: Any, thresh: float = 0.3, gain: float = 1) -> float:
    return -float(gain * np.sum(_speeds(env) < thresh))


def penalize_headway_variance(
    vehicles: Any, vids: list[str], normalization: float = 1, penalty_gain: float = 1, penalty_exponent: float = 1
) -> float:
    headways = penalty_gain * np.power(
        np.array([vehicles.get_headway(v) / normalization for v in vids]), penalty_exponent
    )
    return -float(np.var(headways))
