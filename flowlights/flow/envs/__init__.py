"""Flow's env classes (``flow.envs``) on SUMO through Flow's kernel (``env.k``): the single-agent ``Env``,
the ring-road and traffic-light-grid envs, and ``multiagent`` (``MultiEnv`` and its subclasses).
Also exported by ``flowlights.envs`` (and ``flowlights.envs.multiagent``, Flow's path)."""

from flowlights.flow.envs.base import Env
from flowlights.flow.envs.traffic_light_grid import TrafficLightGridEnv, TrafficLightGridPOEnv
from flowlights.flow.envs.wave_attenuation import WaveAttenuationEnv, WaveAttenuationPOEnv

__all__ = ["Env", "TrafficLightGridEnv", "TrafficLightGridPOEnv", "WaveAttenuationEnv", "WaveAttenuationPOEnv"]
