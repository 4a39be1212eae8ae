"""A policy as plain weights, loadable without unpickling anything: ``weights.pt`` (a tensor dict, read
with torch's ``weights_only`` loader) beside ``policy.json`` (what rebuilds the module: its sizes and
model settings, plus whatever the writer wants a reader to know). Nothing in such a folder runs code."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any, Optional

import numpy as np
from gymnasium import spaces

from flowlights.errors import ConfigError

FORMAT = "flowlights-weights/1"
WEIGHTS, META = "weights.pt", "policy.json"
DEFAULT_HIDDENS = (64, 64)


def quiet_rllib_notices() -> None:
    """RLlib's deprecation notices on building or loading a module (set after importing it): not the user's
    business."""
    for name in ("ray.rllib", "ray._common.deprecation"):
        logging.getLogger(name).setLevel(logging.ERROR)


def build_ppo_module(
    observation_size: int,
    actions: int,
    hiddens: tuple[int, ...] = DEFAULT_HIDDENS,
    model_config: Optional[dict[str, Any]] = None,
    parts: tuple[str, ...] = (),
) -> Any:
    """A fresh RLlib PPO module (policy and value heads) for a flat observation and ``actions`` choices;
    ``model_config`` (RLlib's, e.g. a trained module's own) replaces the default hidden layers. ``parts``
    (``action_mask``, ``action_prior``): the observations are dicts holding them too, and the module is the one
    that reads them (``flowlights.training.masked_module``)."""
    # optional: ray (rllib extra)
    from ray.rllib.algorithms.ppo.torch.default_ppo_torch_rl_module import DefaultPPOTorchRLModule

    quiet_rllib_notices()
    box = spaces.Box(-np.inf, np.inf, (int(observation_size),), dtype=np.float32)
    module_class: Any = DefaultPPOTorchRLModule
    observation_space: spaces.Space = box
    if parts:
        from flowlights.training.masked_module import MaskedPPOTorchRLModule  # optional: ray, torch (rllib extra)

        module_class = MaskedPPOTorchRLModule
        part = spaces.Box(0.0, 1.0, (int(actions),), dtype=np.float32)
        observation_space = spaces.Dict({"observation": box, **{name: part for name in parts}})
    return module_class(
        observation_space=observation_space,
        action_space=spaces.Discrete(int(actions)),
        inference_only=False,
        model_config=dict(model_config)
        if model_config
        else {"fcnet_hiddens": list(hiddens), "fcnet_activation": "tanh"},
    )


def save_weights(module: Any, folder: Path, meta: dict[str, Any]) -> Path:
    """Write ``module``'s tensors and ``meta`` (must hold observation_size and actions) into ``folder``."""
    import torch  # optional: torch (rllib extra)

    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        torch.save({k: v.detach().cpu() for k, v in module.state_dict().items()}, folder / WEIGHTS)
        (folder / META).write_text(json.dumps({"format": FORMAT, **meta}, indent=2))
    except OSError as exc:
        raise ConfigError(f"cannot save the policy's weights to {str(folder)!r}: {exc.strerror}.") from None
    return folder


def load_weights(folder: Path) -> tuple[Any, dict[str, Any]]:
    """(module, meta) from a folder written by :func:`save_weights`; never unpickles."""
    import torch  # optional: torch (rllib extra)

    folder = Path(folder)
    if not (folder / META).is_file() or not (folder / WEIGHTS).is_file():
        raise ConfigError(
            f"{str(folder)!r} holds no saved weights ({WEIGHTS} and {META}); give a folder a _save() or "
            "flowlights export wrote."
        )
    meta = json.loads((folder / META).read_text())
    if meta.get("format") != FORMAT:
        raise ConfigError(f"{str(folder / META)!r} is format {meta.get('format')!r}; this flowlights reads {FORMAT}.")
    module = build_ppo_module(
        meta["observation_size"],
        meta["actions"],
        tuple(meta.get("hiddens", DEFAULT_HIDDENS)),
        meta.get("model_config"),
        tuple(meta.get("parts", ())),
    )
    try:
        module.load_state_dict(torch.load(folder / WEIGHTS, weights_only=True))
    except Exception as exc:
        raise ConfigError(f"the weights in {str(folder)!r} do not fit their {META}: {exc}") from None
    return module, meta


def is_weights_folder(folder: Path) -> bool:
    """A folder :func:`save_weights` wrote (loads without unpickling)."""
    return (Path(folder) / META).is_file() and (Path(folder) / WEIGHTS).is_file()
