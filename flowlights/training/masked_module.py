"""PPO's and DQN's RLModules with action masking: the env's observations are ``{"observation", "action_mask"}``
dicts (``EnvParams(action_mask=True)``) and actions the mask forbids get a logit of -inf-ish, so
they are never sampled nor chosen greedily. Used automatically when the env masks (rllib_config).
The networks see only ``"observation"``; the mask comes from the signal controller (min green, a
transition under way, padded actions of a shared policy)."""

from __future__ import annotations

from typing import Any, Optional

import gymnasium as gym
import torch
from ray.rllib.algorithms.ppo.torch.default_ppo_torch_rl_module import DefaultPPOTorchRLModule
from ray.rllib.core.columns import Columns

MASKED_LOGIT = -1e9  # exp() of it is 0 in float32: a masked action has probability 0


def split_masked(batch: dict[str, Any]) -> tuple[Optional[torch.Tensor], dict[str, Any]]:
    """(mask, batch with the plain observation) from a batch whose observations are mask dicts."""
    obs = batch.get(Columns.OBS)
    if not isinstance(obs, dict):
        return None, batch
    batch = dict(batch)
    batch[Columns.OBS] = obs["observation"]
    return obs["action_mask"], batch


def mask_logits(logits: torch.Tensor, mask: Optional[torch.Tensor]) -> torch.Tensor:
    return logits if mask is None else torch.where(mask > 0, logits, torch.full_like(logits, MASKED_LOGIT))


class MaskedPPOTorchRLModule(DefaultPPOTorchRLModule):
    """DefaultPPOTorchRLModule on the ``"observation"`` part, its logits masked by ``"action_mask"``."""

    def __init__(self, *args: Any, observation_space: Optional[gym.Space] = None, **kwargs: Any) -> None:
        if not (isinstance(observation_space, gym.spaces.Dict) and "action_mask" in observation_space.spaces):
            raise ValueError(
                f"MaskedPPOTorchRLModule needs {{'observation', 'action_mask'}} observations, got {observation_space}."
            )
        self.masked_observation_space = observation_space
        super().__init__(*args, observation_space=observation_space["observation"], **kwargs)

    def _masked(self, forward: Any, batch: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        mask, plain = split_masked(batch)
        out = forward(plain, **kwargs)
        out[Columns.ACTION_DIST_INPUTS] = mask_logits(out[Columns.ACTION_DIST_INPUTS], mask)
        return out

    def _forward(self, batch: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        return self._masked(super()._forward, batch, **kwargs)

    def _forward_train(self, batch: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        return self._masked(super()._forward_train, batch, **kwargs)

    def compute_values(self, batch: dict[str, Any], embeddings: Optional[Any] = None) -> Any:
        return super().compute_values(split_masked(batch)[1], embeddings)


def _mask_q(out: dict[str, Any], mask: Optional[torch.Tensor]) -> dict[str, Any]:
    from ray.rllib.algorithms.dqn.dqn_learner import QF_PREDS  # optional: ray (rllib extra)

    if mask is not None:  # -inf: RLlib's DQN then neither explores, chooses nor bootstraps from a masked action
        out[QF_PREDS] = torch.where(mask > 0, out[QF_PREDS], torch.full_like(out[QF_PREDS], float("-inf")))
    return out


def _dqn_base() -> type:
    # optional: ray (rllib extra)
    from ray.rllib.algorithms.dqn.torch.default_dqn_torch_rl_module import DefaultDQNTorchRLModule

    return DefaultDQNTorchRLModule


class MaskedDQNTorchRLModule(_dqn_base()):  # type: ignore[misc]
    """DQN's RLModule on the ``"observation"`` part, Q-values of masked actions at -inf (online and target nets)."""

    def __init__(self, *args: Any, observation_space: Optional[gym.Space] = None, **kwargs: Any) -> None:
        if not (isinstance(observation_space, gym.spaces.Dict) and "action_mask" in observation_space.spaces):
            raise ValueError(
                f"MaskedDQNTorchRLModule needs {{'observation', 'action_mask'}} observations, got {observation_space}."
            )
        self.masked_observation_space = observation_space
        super().__init__(*args, observation_space=observation_space["observation"], **kwargs)

    def compute_q_values(self, batch: dict[str, Any]) -> dict[str, Any]:
        mask, plain = split_masked(batch)
        return _mask_q(super().compute_q_values(plain), mask)

    def forward_target(self, batch: dict[str, Any]) -> dict[str, Any]:
        mask, plain = split_masked(batch)
        return _mask_q(super().forward_target(plain), mask)
