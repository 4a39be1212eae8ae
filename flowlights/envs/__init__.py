"""Environments: flowlights' TrafficLightEnv (every light an agent, PettingZoo/Gymnasium/RLlib), and
Flow's env classes — ``Env`` (single agent), ``flowlights.flow.envs.multiagent.MultiEnv``, the ring-road
and traffic-light-grid envs — on SUMO through Flow's kernel (``env.k``)."""

from flowlights.envs.traffic_light_env import TrafficLightEnv
from flowlights.flow.envs.base import Env
from flowlights.flow.envs.traffic_light_grid import TrafficLightGridEnv, TrafficLightGridPOEnv
from flowlights.flow.envs.wave_attenuation import WaveAttenuationEnv, WaveAttenuationPOEnv

__all__ = [
    "Env",
    "TrafficLightEnv",
    "TrafficLightGridEnv",
    "TrafficLightGridPOEnv",
    "WaveAttenuationEnv",
    "WaveAttenuationPOEnv",
]
