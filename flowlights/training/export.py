"""``flowlights export RUN --out DIR``: a trained policy to share, as data only.

DIR gets ``params.json`` (the experiment: network, env settings, policies; no ``config_module``) with an
``exported`` record, and ``policies/<policy>/`` per policy: ``weights.pt`` (tensors, loaded with torch's
``weights_only``) and ``policy.json`` (observation size, actions, RLlib model settings). Nothing in it is
pickled or code: ``evaluate --checkpoint DIR``, ``visualize DIR`` and ``deploy DIR`` load it with no
``--trust-code``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from flowlights.errors import ConfigError
from flowlights.training.trained_policy import load_checkpoint
from flowlights.training.weights import FORMAT, save_weights

EXPORTABLE = ("DefaultPPOTorchRLModule", "MaskedPPOTorchRLModule")


def export_policy(run: str | Path, out: str | Path) -> Path:
    """Write the latest (or given) checkpoint of ``run`` to ``out`` as weights and JSON; returns ``out``."""
    checkpoint, experiment, modules = load_checkpoint(run)
    params: dict[str, Any] = experiment.to_dict()
    if params.get("config_module"):
        raise ConfigError(
            f"{str(run)!r}: its experiment is defined in Python ({params['config_module']}: custom policies or Flow "
            "vehicle classes), which an export cannot carry without code; share the run folder itself (the "
            "receiver loads it with --trust-code)."
        )
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        raise ConfigError(f"--out {str(out)!r} is not empty; give a new folder.")
    policies = []
    for policy in sorted(modules.keys()):
        module = modules[policy]
        kind = type(module).__name__
        if kind not in EXPORTABLE:
            raise ConfigError(
                f"policy {policy!r} is a {kind}; export writes {', '.join(EXPORTABLE)} modules (PPO's; a DQN "
                "policy: share the run folder, loaded with --trust-code)."
            )
        meta = {
            "policy": policy,
            "module": kind,
            "observation_size": int(module.observation_space.shape[0]),
            "actions": int(module.action_space.n),
            "model_config": dict(module.model_config),
            # the dict observations' other parts (action_mask, action_prior), which the module reads
            "parts": sorted(set(getattr(module, "masked_observation_space", {"observation": None})) - {"observation"}),
        }
        save_weights(module, out / "policies" / policy, meta)
        policies.append(policy)
    params["exported"] = {"from": str(checkpoint), "format": FORMAT, "policies": policies}
    (out / "params.json").write_text(json.dumps(params, indent=2, default=str))
    return out
