"""Flow's multi-agent envs (``flow.envs.multiagent``): the MultiEnv base, ring roads, the light grid."""

from flowlights.envs.multiagent.base import MultiEnv
from flowlights.envs.multiagent.ring import MultiAgentWaveAttenuationPOEnv, MultiWaveAttenuationPOEnv
from flowlights.envs.multiagent.traffic_light_grid import MultiTrafficLightGridPOEnv

__all__ = ["MultiAgentWaveAttenuationPOEnv", "MultiEnv", "MultiTrafficLightGridPOEnv", "MultiWaveAttenuationPOEnv"]
