"""A user's own Flow env class in an importable module (named by its dotted path in YAML configs):
each light of a TrafficLightGridNetwork is an agent that keeps or switches its two greens by raw states."""
import numpy as np
from gymnasium.spaces import Box, Discrete

from flowlights.envs.multiagent import MultiEnv


class KeepOrSwitchLights(MultiEnv):
    @property
    def observation_space(self):
        return Box(low=0, high=np.inf, shape=(2,), dtype=np.float32)

    @property
    def action_space(self):
        return Discrete(2)

    def _apply_rl_actions(self, rl_actions):
        for tls, action in rl_actions.items():
            if action:
                now = self.k.traffic_light.get_state(tls)
                self.k.traffic_light.set_state(tls, "rGrG" if now.startswith("G") else "GrGr")

    def get_state(self):
        return {tls: np.array([len(self.k.vehicle.get_ids()), self.time_counter], dtype=np.float32)
                for tls in self.k.traffic_light.get_ids()}

    def compute_reward(self, rl_actions, **kwargs):
        speeds = self.k.vehicle.get_speed(self.k.vehicle.get_ids())
        return {tls: float(np.mean(speeds)) if speeds else 0.0 for tls in self.k.traffic_light.get_ids()}
