"""RLlibMultiEnv: the environment as a Ray RLlib ``MultiAgentEnv`` (new API stack).

Registered with ``ray.tune.registry.register_env(name, RLlibMultiEnv)``, it is built in each
env-runner process from a plain config dict of make_env's arguments.
"""
from __future__ import annotations

from typing import Any, Optional

import gymnasium as gym
from ray.rllib.env.multi_agent_env import MultiAgentEnv

from flowlights.envs.factory import make_env


class RLlibMultiEnv(MultiAgentEnv):
    """Every controlled light is an RLlib agent; the episode ends for all lights at once."""

    def __init__(self, config: Optional[dict] = None) -> None:
        super().__init__()
        self.env = make_env(**dict(config or {}))
        self.possible_agents = list(self.env.possible_agents)
        self.agents = list(self.possible_agents)
        self.observation_spaces = {a: self.env.observation_space(a) for a in self.possible_agents}
        self.action_spaces = {a: self.env.action_space(a) for a in self.possible_agents}
        # RLlib's convention (as its PettingZoo wrapper): one Dict keyed by agent, there before reset()
        self.observation_space = gym.spaces.Dict(self.observation_spaces)
        self.action_space = gym.spaces.Dict(self.action_spaces)

    def reset(self, *, seed: Optional[int] = None, options: Optional[dict] = None) -> tuple[dict, dict]:
        obs, infos = self.env.reset(seed=seed, options=options)
        self.agents = list(self.env.agents)
        return obs, infos

    def step(self, action_dict: dict[str, Any]) -> tuple[dict, dict, dict, dict, dict]:
        obs, rewards, terms, truncs, infos = self.env.step(action_dict)
        done_all = not self.env.agents
        terms["__all__"] = done_all and any(terms.values())
        truncs["__all__"] = done_all and not terms["__all__"]
        self.agents = list(self.env.agents)
        return obs, rewards, terms, truncs, infos

    def metrics(self) -> dict[str, float]:
        return self.env.metrics()

    def close(self) -> None:
        self.env.close()
