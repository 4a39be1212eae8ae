"""MultiActorEnv: every light of a network behind ONE Gymnasium agent, one light's decision at a time.

SimReinforce's single-agent multi-actor pattern, for single-agent libraries (sb3-contrib's
MaskablePPO): the observation is the light due to decide — its own features (zero-padded to the
widest light) and a one-hot of which light it is; the action space is one ``Discrete`` over the
largest light's actions; ``action_masks()`` allows only that light's valid actions. A light whose
mask leaves a single action (min green not over, transition in progress) is not asked: that action
is taken for it. When every light of the round has its action, SUMO runs one ``delta_time`` and
the reward of that step — the mean of the lights' rewards — comes with the next decision.
"""

from __future__ import annotations

from typing import Any, Optional

import gymnasium as gym
import numpy as np

from flowlights.envs.factory import make_env
from flowlights.errors import ConfigError


class MultiActorEnv(gym.Env):
    """``MultiActorEnv(**make_env_kwargs)``: decisions of all lights, one per ``step``."""

    metadata = {"render_modes": []}

    def __init__(self, **kwargs: Any) -> None:
        if kwargs.get("action_prior") is not None:
            raise ConfigError(
                f"action_prior={kwargs['action_prior']!r}: MultiActorEnv gives one flat observation per decision; "
                "drop action_prior (it is for RLlib's PPO module)."
            )
        self.env = make_env(**{**kwargs, "action_mask": False})
        self.lights = list(self.env.possible_agents)
        self.n_actions = max(self.env.action_space(a).n for a in self.lights)
        spaces = [self.env.observation_space(a) for a in self.lights]
        width = max(s.shape[0] for s in spaces)
        low = np.min([np.pad(s.low, (0, width - s.shape[0])) for s in spaces], axis=0)
        high = np.max([np.pad(s.high, (0, width - s.shape[0])) for s in spaces], axis=0)
        self.width = width
        self.observation_space = gym.spaces.Box(
            np.concatenate([low, np.zeros(len(self.lights))]).astype(np.float32),
            np.concatenate([high, np.ones(len(self.lights))]).astype(np.float32),
            dtype=np.float32,
        )
        self.action_space = gym.spaces.Discrete(self.n_actions)
        self._obs: dict[str, np.ndarray] = {}
        self._chosen: dict[str, int] = {}
        self._due: list[str] = []
        self._reward = 0.0
        self.decisions = 0  # decisions asked of the agent in this episode (forced ones are not asked)

    def _mask_of(self, light: str) -> np.ndarray:
        mask = np.zeros(self.n_actions, dtype=bool)
        own = self.env.action_mask(light).astype(bool)
        mask[: own.size] = own
        return mask

    def action_masks(self) -> np.ndarray:
        """The actions the light due may take now (sb3-contrib's MaskablePPO reads this)."""
        return self._mask_of(self._due[0])

    @property
    def current_light(self) -> str:
        return self._due[0]

    def _observe(self) -> np.ndarray:
        light = self._due[0]
        out = np.zeros(self.observation_space.shape, dtype=np.float32)
        own = np.asarray(self._obs[light], dtype=np.float32)
        out[: own.size] = own
        out[self.width + self.lights.index(light)] = 1.0
        return out

    def _next_round(self) -> None:
        """Queue the lights that have a choice; the others get their one allowed action."""
        self._chosen = {}
        self._due = []
        for light in self.env.agents:
            mask = self._mask_of(light)
            if mask.sum() == 1:
                self._chosen[light] = int(np.argmax(mask))
            else:
                self._due.append(light)

    def _run_until_a_choice(self) -> tuple[bool, bool]:
        """Step SUMO while no light has a choice; (terminated, truncated) when the episode ends."""
        while not self._due:
            obs, rewards, terms, truncs, _ = self.env.step(self._chosen)
            self._obs = obs
            self._reward += float(np.mean(list(rewards.values()))) if rewards else 0.0
            if not self.env.agents:
                return any(terms.values()), any(truncs.values())
            self._next_round()
        return False, False

    def reset(self, *, seed: Optional[int] = None, options: Optional[dict] = None) -> tuple[np.ndarray, dict]:
        super().reset(seed=seed)
        self._obs, _ = self.env.reset(seed=seed, options=options)
        self._reward = 0.0
        self.decisions = 0
        self._next_round()
        self._run_until_a_choice()
        return self._observe(), {"light": self._due[0]}

    def step(self, action: Any) -> tuple[np.ndarray, float, bool, bool, dict]:
        light = self._due.pop(0)
        action = int(action)
        self._chosen[light] = action if self._mask_of(light)[action] else int(np.argmax(self._mask_of(light)))
        self.decisions += 1
        terminated = truncated = False
        if not self._due:
            terminated, truncated = self._run_until_a_choice()
        reward, self._reward = self._reward, 0.0
        if terminated or truncated:
            return (
                np.zeros(self.observation_space.shape, dtype=np.float32),
                reward,
                terminated,
                truncated,
                {"episode_metrics": self.env.metrics()},
            )
        return self._observe(), reward, False, False, {"light": self._due[0]}

    def metrics(self) -> dict[str, float]:
        return self.env.metrics()

    def close(self) -> None:
        self.env.close()
