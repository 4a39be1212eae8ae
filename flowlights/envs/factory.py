"""make_env: keyword arguments in, a ready TrafficLightEnv out (nothing starts until reset)."""

from __future__ import annotations

from typing import Any

from flowlights.envs.traffic_light_env import TrafficLightEnv
from flowlights.networks.network_file import SCENARIO_ARGS, resolve_scenario
from flowlights.params import EnvParams, SumoParams, split_kwargs


def make_env(**kwargs: Any) -> TrafficLightEnv:
    """Build the environment from a scenario (``scenario``/``sumocfg``/``net_file``+``route_file``)
    and any ``SumoParams`` / ``EnvParams`` field (and ``render_mode="rgb_array"``), e.g. ``make_env(scenario="grid2x2", delta_time=10)``."""
    where = {k: kwargs.pop(k) for k in SCENARIO_ARGS if k in kwargs}
    render_mode = kwargs.pop("render_mode", None)
    sim_kwargs, env_kwargs = split_kwargs(kwargs, SumoParams, EnvParams)
    scenario = resolve_scenario(**where)
    return TrafficLightEnv(scenario, SumoParams(**sim_kwargs), EnvParams(**env_kwargs), render_mode=render_mode)
