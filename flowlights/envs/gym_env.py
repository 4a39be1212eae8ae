"""SingleLightEnv: one traffic light as a plain Gymnasium environment."""

from __future__ import annotations

from typing import Any, Optional

import gymnasium as gym

from flowlights.envs.factory import make_env
from flowlights.errors import ConfigError


class SingleLightEnv(gym.Env):
    """Gymnasium view of the multi-agent env when exactly one light is controlled.

    Takes make_env's arguments; for a network with several lights pass ``tls_ids=["id"]``.
    """

    metadata = {"render_modes": ["rgb_array"], "render_fps": 4}

    def __init__(self, **kwargs: Any) -> None:
        self.env = make_env(**kwargs)
        agents = self.env.possible_agents
        if len(agents) != 1:
            raise ConfigError(
                f"SingleLightEnv controls one light but this scenario has {len(agents)} "
                f"({', '.join(agents[:8])}{' ...' if len(agents) > 8 else ''}); pass tls_ids=[{agents[0]!r}]."
            )
        self.agent = agents[0]
        self.observation_space = self.env.observation_space(self.agent)
        self.action_space = self.env.action_space(self.agent)
        self.render_mode = self.env.render_mode

    def render(self) -> Any:
        return self.env.render()

    def reset(self, *, seed: Optional[int] = None, options: Optional[dict] = None) -> tuple[Any, dict]:
        super().reset(seed=seed)
        obs, infos = self.env.reset(seed=seed, options=options)
        return obs[self.agent], infos[self.agent]

    def step(self, action: Any) -> tuple[Any, float, bool, bool, dict]:
        obs, rewards, terms, truncs, infos = self.env.step({self.agent: action})
        a = self.agent
        return obs[a], float(rewards[a]), bool(terms[a]), bool(truncs[a]), infos[a]

    def action_masks(self) -> Any:
        """The actions the light may take now (1) or not (0): sb3-contrib's MaskablePPO reads this."""
        return self.env.action_mask(self.agent).astype(bool)

    def metrics(self) -> dict[str, float]:
        return self.env.metrics()

    def close(self) -> None:
        self.env.close()
