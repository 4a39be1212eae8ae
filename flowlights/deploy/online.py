"""A deployed light that keeps learning from its own experience (``flowlights deploy --train``).

Each light starts from its trained policy (its own copy of the RL module) and updates it on-policy from
what it lives through: every ``batch`` decisions, an advantage actor-critic step — advantage = reward +
gamma * V(next observation) - V(observation), with the PPO module's own value head — on the policy's
log-probabilities of the actions it sampled, plus the value error. Actions are sampled (seeded per
light), not greedy, so the light explores as it learns. ``save``/``load`` keep one light's module on its
own (Regularflow's ``_save``/``_restore``): ``<dir>/<light>/``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import numpy as np

from flowlights.baselines.base import LightDecider
from flowlights.errors import ConfigError
from flowlights.training.trained_policy import load_rl_module


def _batch(observations: list[Any]) -> Any:
    """A torch batch of observations: arrays, or dicts of arrays (the policy's module splits them)."""
    import torch  # optional: torch (rllib extra)

    if isinstance(observations[0], dict):
        return {k: torch.as_tensor(np.stack([o[k] for o in observations])) for k in observations[0]}
    return torch.as_tensor(np.stack(observations))


class OnlineLearner(LightDecider):
    """One light's policy, learning online. ``reading["reward"]``: the reward of its previous decision."""

    def __init__(
        self,
        path: Path,
        light: str,
        lr: float = 1e-4,
        batch: int = 32,
        gamma: float = 0.95,
        entropy: float = 0.01,
        seed: int = 0,
        learn: bool = True,
    ) -> None:
        """``learn`` False: greedy actions from the module as it is, nothing updated (a demonstration)."""
        self.path, self.light = Path(path), light
        self.lr, self.batch, self.gamma, self.entropy, self.seed = lr, batch, gamma, entropy, seed
        self.learn = learn
        self.module: Any = None
        self.updates = 0
        self._reset_trajectory()

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "module": None, "optimizer": None, "generator": None}

    def _reset_trajectory(self) -> None:
        self.last: Optional[tuple[Any, int]] = None
        self.steps: list[tuple[Any, int, float, Any]] = []

    def reset(self) -> None:
        self._reset_trajectory()  # the module keeps what it learned: only the episode's trajectory goes

    def _load_module(self, observation: Any) -> Any:
        """The module to start from (here: the trained policy's, from its checkpoint folder)."""
        return load_rl_module(self.path)

    def resume_from(self, folder: Path) -> None:
        """Start from this light's own latest save (a restarted service) instead of the trained policy."""
        self.path = Path(folder)

    def observation(self, reading: dict[str, Any]) -> Any:
        """What the policy sees in a reading (here: the observation the simulation side computed: an array, or a
        dict of arrays with ``action_mask`` / ``action_prior``)."""
        observation = reading["observation"]
        if isinstance(observation, dict):
            return {k: np.asarray(v, dtype=np.float32) for k, v in observation.items()}
        return np.asarray(observation, dtype=np.float32)

    def reward(self, reading: dict[str, Any]) -> Optional[float]:
        """The reward of the previous decision (None at an episode's start)."""
        return reading.get("reward")

    def _ready(self, observation: Any) -> None:
        if getattr(self, "optimizer", None) is not None:
            return
        import torch  # optional: torch (rllib extra)

        if self.module is None:
            self.module = self._load_module(observation)
        if not hasattr(self.module, "compute_values"):
            raise ConfigError(
                f"deploy --train needs a PPO policy (with a value function); {self.path} holds "
                f"{type(self.module).__name__}."
            )
        self.optimizer = torch.optim.Adam(self.module.parameters(), lr=self.lr)
        self.generator = torch.Generator().manual_seed(self.seed)

    def _logits(self, obs: Any) -> Any:
        from ray.rllib.core.columns import Columns  # optional: ray (rllib extra)

        return self.module.forward_train({Columns.OBS: obs})[Columns.ACTION_DIST_INPUTS]

    def __call__(self, reading: dict[str, Any]) -> int:
        import torch  # optional: torch (rllib extra)

        obs = self.observation(reading)
        self._ready(obs)
        reward = self.reward(reading)
        if self.learn and self.last is not None and reward is not None:
            self.steps.append((self.last[0], self.last[1], float(reward), obs))
            if len(self.steps) >= self.batch:
                self.update()
        with torch.no_grad():
            logits = self._logits(_batch([obs]))
            if self.learn:  # sampled: the light explores as it learns
                action = int(torch.multinomial(torch.softmax(logits, dim=-1), 1, generator=self.generator).item())
            else:
                action = int(torch.argmax(logits, dim=-1).item())
        self.last = (obs, action)
        return action

    def update(self) -> float:
        """One actor-critic step on the decisions collected; returns the loss."""
        import torch  # optional: torch (rllib extra)
        from ray.rllib.core.columns import Columns  # optional: ray (rllib extra)

        obs = _batch([s[0] for s in self.steps])
        actions = torch.as_tensor([s[1] for s in self.steps])
        rewards = torch.as_tensor([s[2] for s in self.steps], dtype=torch.float32)
        following = _batch([s[3] for s in self.steps])
        self.module.train()
        values = self.module.compute_values({Columns.OBS: obs}).reshape(-1)
        with torch.no_grad():
            target = rewards + self.gamma * self.module.compute_values({Columns.OBS: following}).reshape(-1)
        advantage = target - values
        log_probs = torch.log_softmax(self._logits(obs), dim=-1)
        chosen = log_probs.gather(1, actions[:, None]).reshape(-1)
        entropy = -(log_probs.exp() * log_probs).sum(-1).mean()
        loss = -(chosen * advantage.detach()).mean() + 0.5 * advantage.pow(2).mean() - self.entropy * entropy
        self.optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(self.module.parameters(), 0.5)
        self.optimizer.step()
        self.module.eval()
        self.steps = []
        self.updates += 1
        return float(loss)

    def save(self, folder: Path) -> Path:
        """This light's module on its own (restore it with ``restore_dir`` / ``--restore``)."""
        if self.module is None:
            self.module = load_rl_module(self.path)
        folder = Path(folder) / self.light
        self.module.save_to_path(str(folder.resolve()))
        return folder
