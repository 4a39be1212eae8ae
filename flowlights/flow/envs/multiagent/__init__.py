"""Flow's multi-agent envs (``flow.envs.multiagent``): the MultiEnv base, ring roads, the light grid."""

from flowlights.flow.envs.multiagent.base import MultiEnv
from flowlights.flow.envs.multiagent.ring import MultiAgentWaveAttenuationPOEnv, MultiWaveAttenuationPOEnv
from flowlights.flow.envs.multiagent.traffic_light_grid import MultiTrafficLightGridPOEnv

__all__ = ["MultiAgentWaveAttenuationPOEnv", "MultiEnv", "MultiTrafficLightGridPOEnv", "MultiWaveAttenuationPOEnv"]
