"""RLlibMultiEnv: the environment as a Ray RLlib ``MultiAgentEnv`` (new API stack); FlowRLlibEnv: a Flow env class for RLlib.

Registered with ``ray.tune.registry.register_env(name, RLlibMultiEnv)``, it is built in each
env-runner process from a plain config dict of make_env's arguments.
"""

from __future__ import annotations

from typing import Any, Optional

import gymnasium as gym
from ray.rllib.env.multi_agent_env import MultiAgentEnv

from flowlights.envs.factory import make_env
from flowlights.flow.envs.base import reset_accepts_seed, space_of
from flowlights.flow.envs.multiagent.base import MultiEnv


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

    def decisions_per_episode(self) -> int:
        return -(-self.env.episode_steps // self.env.delta_steps)

    def close(self) -> None:
        self.env.close()


class SpaceForEveryAgent(dict):
    """Flow's envs have one space for every agent: the agents known, and any other id that comes up."""

    def __init__(self, space: gym.Space, agents: list[Any]) -> None:
        super().__init__({agent: space for agent in agents})
        self.space = space

    def __missing__(self, key: Any) -> gym.Space:
        return self.space


class FlowRLlibEnv(MultiAgentEnv):
    """A Flow env class (``flowlights.flow.envs.multiagent.MultiEnv`` or single-agent ``Env``) for RLlib.

    A single-agent env is one agent named ``agent``. The agents are found by one reset when the env
    is made (Flow's envs name them at run time: lights, RL vehicles, or 'av'/'adversary'); the
    spaces are the env's own, there before reset."""

    SINGLE = "agent"

    def __init__(self, env: Any) -> None:
        super().__init__()
        self.env = env
        self.multi = isinstance(env, MultiEnv)
        self.single_observation_space = space_of(env, "observation_space")
        self.single_action_space = space_of(env, "action_space")
        self._seeded_reset = reset_accepts_seed(env)
        first, _ = self._reset(None)
        self.possible_agents = sorted(first)
        self.agents = list(self.possible_agents)
        self.observation_spaces = SpaceForEveryAgent(self.single_observation_space, self.possible_agents)
        self.action_spaces = SpaceForEveryAgent(self.single_action_space, self.possible_agents)
        self.observation_space = gym.spaces.Dict({a: self.single_observation_space for a in self.possible_agents})
        self.action_space = gym.spaces.Dict({a: self.single_action_space for a in self.possible_agents})

    def _reset(self, seed: Optional[int]) -> tuple[dict, dict]:
        if self._seeded_reset:
            out = self.env.reset(seed=seed)
        else:  # Flow's reset(self): the seed goes to the next SUMO run directly
            if seed is not None:
                self.env._seed = int(seed)
            out = self.env.reset()
        obs, infos = out if isinstance(out, tuple) and len(out) == 2 and isinstance(out[1], dict) else (out, {})
        if not self.multi:
            return {self.SINGLE: obs}, {self.SINGLE: infos}
        return obs, infos or {a: {} for a in obs}

    def reset(self, *, seed: Optional[int] = None, options: Optional[dict] = None) -> tuple[dict, dict]:
        obs, infos = self._reset(seed)
        self.agents = list(obs)
        return obs, infos

    def step(self, action_dict: dict[str, Any]) -> tuple[dict, dict, dict, dict, dict]:
        if not self.multi:
            obs, reward, term, trunc, info = self.env.step(action_dict.get(self.SINGLE))
            a = self.SINGLE
            return {a: obs}, {a: reward}, {a: term, "__all__": term}, {a: trunc, "__all__": trunc}, {a: info}
        obs, rewards, terms, truncs, infos = self.env.step(action_dict)
        if terms.get("__all__") or truncs.get("__all__"):
            for agent in obs:
                terms.setdefault(agent, bool(terms.get("__all__")))
                truncs.setdefault(agent, bool(truncs.get("__all__")))
        rewards = {a: float(r) for a, r in rewards.items() if a in obs}
        self.agents = [a for a in obs if not terms.get(a) and not truncs.get(a)]
        return obs, rewards, terms, truncs, infos

    # -- what training asks of an env before it starts -------------------------------------------------
    @property
    def env_params(self) -> Any:
        return self.env.env_params

    def decisions_per_episode(self) -> int:
        return int(self.env.env_params.horizon)

    def close(self) -> None:
        self.env.close()
