"""A trained policy acting in a Flow env class: the checkpoint's RL modules, deterministic actions.

Discrete actions: the most likely one; Box actions: the Gaussian's mean, clipped to the space.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from gymnasium import spaces

from flowlights.errors import ConfigError
from flowlights.training.policies import policy_setup
from flowlights.training.trained_policy import load_checkpoint


class FlowPolicy:
    """``act(observations)`` -> actions per agent, as RLlib's modules would take them greedily."""

    def __init__(self, path: str | Path) -> None:
        self.checkpoint, self.experiment, self.modules = load_checkpoint(path)

    def bind(self, rllib_env: Any) -> None:
        """Map the env's agents to the checkpoint's policies (a checkpoint of another experiment fails here)."""
        if isinstance(self.experiment.policies, str):
            _, self.mapping = policy_setup(self.experiment.policies, rllib_env)
        else:
            self.mapping = self.experiment.policy_mapping_fn
        self.action_space = rllib_env.single_action_space
        for agent in rllib_env.possible_agents:
            if self.mapping(agent, None) not in self.modules:
                raise ConfigError(
                    f"checkpoint {str(self.checkpoint)!r} has no policy {self.mapping(agent, None)!r} for agent "
                    f"{agent!r} (it has {', '.join(sorted(self.modules.keys()))})."
                )

    def act(self, observations: dict[str, Any]) -> dict[str, Any]:
        import torch  # optional: torch (rllib extra)
        from ray.rllib.core.columns import Columns  # optional: ray (rllib extra)

        groups: dict[str, list[str]] = {}
        for agent in observations:
            groups.setdefault(self.mapping(agent, None), []).append(agent)
        actions: dict[str, Any] = {}
        with torch.no_grad():
            for policy, agents in groups.items():
                batch = torch.as_tensor(np.stack([np.asarray(observations[a], dtype=np.float32) for a in agents]))
                out = self.modules[policy].forward_inference({Columns.OBS: batch})
                if Columns.ACTIONS in out:
                    chosen = out[Columns.ACTIONS].numpy()
                elif isinstance(self.action_space, spaces.Box):
                    inputs = out[Columns.ACTION_DIST_INPUTS].numpy()
                    chosen = np.clip(inputs[:, : inputs.shape[1] // 2], self.action_space.low, self.action_space.high)
                else:
                    chosen = out[Columns.ACTION_DIST_INPUTS].argmax(dim=-1).numpy()
                for agent, action in zip(agents, chosen):
                    actions[agent] = int(action) if isinstance(self.action_space, spaces.Discrete) else action
        return actions
