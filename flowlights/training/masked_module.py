"""PPO's and DQN's RLModules for dict observations: the env's observations are ``{"observation", ...}`` dicts
with an ``"action_mask"`` (``EnvParams(action_mask=True)``: actions it forbids get a logit of -inf-ish, so they are
never sampled nor chosen greedily) and, for PPO, an ``"action_prior"`` (``EnvParams(action_prior=controller)``: the
controller's choice, one-hot, added ``PRIOR_WEIGHT`` times to the logits, with the last layer of the policy head
starting at zero — the untrained policy is the controller exactly, and training learns where to differ from it).
Used automatically when the env gives such dicts (rllib_config). The networks see only ``"observation"``; the mask
comes from the signal controller (min green, a transition under way, padded actions of a shared policy)."""

from __future__ import annotations

from typing import Any, Optional

import gymnasium as gym
import torch
from ray.rllib.algorithms.ppo.torch.default_ppo_torch_rl_module import DefaultPPOTorchRLModule
from ray.rllib.core.columns import Columns

MASKED_LOGIT = -1e9  # exp() of it is 0 in float32: a masked action has probability 0
# the prior's logit lead: with 4 greens the untrained policy samples the prior's choice 87% of the time (PPO explores
# around the controller), and its greedy action is the prior's until training moves a logit by this much
PRIOR_WEIGHT = 3.0
PARTS = ("action_mask", "action_prior")


def split_parts(batch: dict[str, Any]) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """(the mask and prior present, batch with the plain observation) from a batch of dict observations."""
    obs = batch.get(Columns.OBS)
    if not isinstance(obs, dict):
        return {}, batch
    batch = dict(batch)
    batch[Columns.OBS] = obs["observation"]
    return {k: obs[k] for k in PARTS if k in obs}, batch


def split_masked(batch: dict[str, Any]) -> tuple[Optional[torch.Tensor], dict[str, Any]]:
    """(mask or None, batch with the plain observation) from a batch whose observations are mask dicts."""
    parts, plain = split_parts(batch)
    return parts.get("action_mask"), plain


def mask_logits(logits: torch.Tensor, mask: Optional[torch.Tensor]) -> torch.Tensor:
    return logits if mask is None else torch.where(mask > 0, logits, torch.full_like(logits, MASKED_LOGIT))


def _check_dict_space(name: str, space: Any, allowed: tuple[str, ...]) -> None:
    keys = set(space.spaces) if isinstance(space, gym.spaces.Dict) else set()
    if "observation" not in keys or not keys & set(allowed) or keys - {"observation", *allowed}:
        wanted = " and/or ".join(repr(k) for k in allowed)
        raise ValueError(f"{name} needs {{'observation', {wanted}}} observations, got {space}.")


def _with_dict_space(module: Any, ctor: tuple[tuple, dict[str, Any]]) -> tuple[tuple, dict[str, Any]]:
    args, kwargs = ctor
    return args, {**kwargs, "observation_space": module.masked_observation_space}


class MaskedPPOTorchRLModule(DefaultPPOTorchRLModule):
    """DefaultPPOTorchRLModule on the ``"observation"`` part, its logits shifted by ``PRIOR_WEIGHT`` times
    ``"action_prior"`` and masked by ``"action_mask"`` (whichever the observations hold)."""

    def __init__(self, *args: Any, observation_space: Optional[gym.Space] = None, **kwargs: Any) -> None:
        _check_dict_space("MaskedPPOTorchRLModule", observation_space, PARTS)
        self.masked_observation_space = observation_space
        super().__init__(*args, observation_space=observation_space["observation"], **kwargs)

    def get_ctor_args_and_kwargs(self) -> tuple[tuple, dict[str, Any]]:
        """What a saved module is rebuilt from: the dict observation space, not the plain part the networks see."""
        return _with_dict_space(self, super().get_ctor_args_and_kwargs())

    def setup(self) -> None:
        super().setup()
        if "action_prior" in self.masked_observation_space.spaces:  # start as the prior's controller exactly
            last = [m for m in self.pi.modules() if isinstance(m, torch.nn.Linear)][-1]
            torch.nn.init.zeros_(last.weight)
            torch.nn.init.zeros_(last.bias)

    def _masked(self, forward: Any, batch: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        parts, plain = split_parts(batch)
        out = forward(plain, **kwargs)
        logits = out[Columns.ACTION_DIST_INPUTS]
        if "action_prior" in parts:
            logits = logits + PRIOR_WEIGHT * parts["action_prior"].to(logits.dtype)
        out[Columns.ACTION_DIST_INPUTS] = mask_logits(logits, parts.get("action_mask"))
        return out

    def _forward(self, batch: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        return self._masked(super()._forward, batch, **kwargs)

    def _forward_train(self, batch: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        return self._masked(super()._forward_train, batch, **kwargs)

    def compute_values(self, batch: dict[str, Any], embeddings: Optional[Any] = None) -> Any:
        return super().compute_values(split_parts(batch)[1], embeddings)


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
        _check_dict_space("MaskedDQNTorchRLModule", observation_space, ("action_mask",))
        self.masked_observation_space = observation_space
        super().__init__(*args, observation_space=observation_space["observation"], **kwargs)

    def get_ctor_args_and_kwargs(self) -> tuple[tuple, dict[str, Any]]:
        return _with_dict_space(self, super().get_ctor_args_and_kwargs())

    def compute_q_values(self, batch: dict[str, Any]) -> dict[str, Any]:
        mask, plain = split_masked(batch)
        return _mask_q(super().compute_q_values(plain), mask)

    def forward_target(self, batch: dict[str, Any]) -> dict[str, Any]:
        mask, plain = split_masked(batch)
        return _mask_q(super().forward_target(plain), mask)
