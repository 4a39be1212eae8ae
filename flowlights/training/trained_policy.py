"""A trained policy as a Controller: greedy actions from an RLlib checkpoint, no Ray needed.

Evaluation then treats it exactly like the baselines, on the experiment's own scenario.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any, Optional

import numpy as np

from flowlights.baselines.base import LightDecider, SplitController
from flowlights.envs.traffic_light_env import TrafficLightEnv
from flowlights.errors import ConfigError
from flowlights.flow.training.classes import is_flow_env
from flowlights.networks.network_file import SCENARIO_KEYS
from flowlights.training.checkpoints import is_export, latest_checkpoint, results_dir_of
from flowlights.training.env_kwargs import env_kwargs
from flowlights.training.experiment import load_experiment
from flowlights.training.policies import policy_setup
from flowlights.training.weights import is_weights_folder, load_weights, quiet_rllib_notices


def load_checkpoint(path: str | Path) -> tuple[Path, Any, Any]:
    """(checkpoint folder, its experiment, its RL modules) — the latest checkpoint of a results folder,
    or the one given; no Ray needed. A damaged checkpoint is a one-line ConfigError."""
    from ray.rllib.core.rl_module.multi_rl_module import MultiRLModule  # optional: ray (rllib extra)

    quiet_rllib_notices()
    if is_export(Path(path)):  # weights and JSON: nothing to unpickle
        experiment = load_experiment(Path(path))
        policies = json.loads((Path(path) / "params.json").read_text())["exported"]["policies"]
        return Path(path), experiment, {p: load_weights(Path(path) / "policies" / p)[0] for p in policies}
    checkpoint = latest_checkpoint(Path(path))
    experiment = load_experiment(results_dir_of(checkpoint))
    try:
        with warnings.catch_warnings():  # RLlib's own deprecation notices on load, not the user's business
            warnings.simplefilter("ignore", DeprecationWarning)
            modules = MultiRLModule.from_checkpoint(str(checkpoint / "learner_group" / "learner" / "rl_module"))
    except Exception as exc:
        raise ConfigError(
            f"checkpoint {str(checkpoint)!r} cannot be loaded ({type(exc).__name__}: {str(exc).splitlines()[0][:200]}); "
            "it may be incomplete (a run stopped while saving it): give an earlier one "
            f"(ls {checkpoint.parent}) or train again."
        ) from None
    return checkpoint, experiment, modules


def module_path(checkpoint: Path, policy: str) -> Path:
    """Where one policy's RL module lies in a checkpoint (each policy saves and restores on its own), or its
    weights in an exported folder."""
    exported = Path(checkpoint) / "policies" / policy
    if is_weights_folder(exported):
        return exported
    return Path(checkpoint) / "learner_group" / "learner" / "rl_module" / policy


def forward_greedy(module: Any, observation: Any) -> int:
    """The module's greedy action for one observation (an array, or a dict of arrays when masked)."""
    import torch  # optional: torch (rllib extra)
    from ray.rllib.core.columns import Columns  # optional: ray (rllib extra)

    with torch.no_grad():
        if isinstance(observation, dict):
            batch: Any = {k: torch.as_tensor(np.asarray(v, dtype=np.float32)[None]) for k, v in observation.items()}
        else:
            batch = torch.as_tensor(np.asarray(observation, dtype=np.float32)[None])
        out = module.forward_inference({Columns.OBS: batch})
        # PPO gives action logits (take the most likely); DQN gives greedy actions already
        chosen = out[Columns.ACTIONS] if Columns.ACTIONS in out else out[Columns.ACTION_DIST_INPUTS].argmax(dim=-1)
    return int(chosen.reshape(-1)[0])


def load_rl_module(path: Path) -> Any:
    """One policy's RL module from its folder — RLlib's (unpickled), or weights that ``flowlights export`` or a
    light's ``_save`` wrote (not) — without RLlib's deprecation notices."""
    if is_weights_folder(Path(path)):
        return load_weights(Path(path))[0]
    from ray.rllib.core.rl_module.rl_module import RLModule  # optional: ray (rllib extra)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return RLModule.from_checkpoint(str(path))


class PolicyDecider(LightDecider):
    """One light's trained policy: its RL module, restored on its own from the checkpoint (lazily, in
    whatever process the light runs), greedy on the observation in the reading."""

    def __init__(self, path: Path, module: Any = None) -> None:
        """``path``: the RL module's folder (``module_path`` of a checkpoint, or a light's own saved copy);
        ``module``: that module already loaded (in-process evaluation)."""
        self.path, self.module = Path(path), module

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "module": None}  # a light's service restores its own copy

    def load(self) -> Any:
        if self.module is None:
            self.module = load_rl_module(self.path)
        return self.module

    def __call__(self, reading: dict[str, Any]) -> int:
        return forward_greedy(self.load(), reading["observation"])


class TrainedPolicy(SplitController):
    """Greedy (argmax) actions of the RL modules saved in a checkpoint."""

    name = "trained"

    def __init__(self, path: str | Path, restore_dir: Optional[str | Path] = None) -> None:
        self.checkpoint, self.experiment, self.modules = load_checkpoint(path)
        self.restore_dir = Path(restore_dir) if restore_dir is not None else None
        if self.restore_dir is not None and not self.restore_dir.is_dir():
            raise ConfigError(
                f"restore_dir {str(self.restore_dir)!r} is not a folder; give the folder that holds "
                "<light>/ modules saved by 'flowlights deploy --train --save DIR'."
            )
        self.name = f"trained:{self.experiment.exp_tag}:{self.checkpoint.name}"
        if is_flow_env(self.experiment.flow_params):
            raise ConfigError(
                f"{self.experiment.exp_tag!r} runs the Flow env class {self.experiment.flow_params['env_name']!r}: "
                "replay it with scripts/visualizer_rllib.py RESULT_DIR CHECKPOINT_NUM (Flow's rollouts)."
            )
        self.scenario_kwargs = env_kwargs(self.experiment.flow_params)
        # what the policy needs of the env (protocol, observation...), not where or how SUMO runs (backend: e.g.
        # TraCI on another SUMO installation, or sumo-gui)
        self.env_overrides = {
            k: v
            for k, v in self.scenario_kwargs.items()
            if k not in SCENARIO_KEYS + ("seed", "tripinfo_output", "sumo_args", "begin", "end", "backend")
        }

    def prepare(self, env: TrafficLightEnv) -> None:
        if isinstance(self.experiment.policies, str):
            _, self.mapping = policy_setup(self.experiment.policies, env)
        else:
            self.mapping = self.experiment.policy_mapping_fn
        for agent in env.possible_agents:  # a checkpoint of another experiment fails here, not mid-episode
            policy = self.mapping(agent, None)
            if policy not in self.modules:
                raise ConfigError(
                    f"checkpoint {str(self.checkpoint)!r} has no policy {policy!r} for light {agent!r} "
                    f"(it has {', '.join(sorted(self.modules.keys()))}); was it trained on this scenario?"
                )
            want = getattr(self.modules[policy], "masked_observation_space", self.modules[policy].observation_space)
            have = env.observation_space(agent)
            if getattr(want, "shape", None) != getattr(have, "shape", None):
                raise ConfigError(
                    f"checkpoint {str(self.checkpoint)!r}: policy {policy!r} expects observations of shape "
                    f"{getattr(want, 'shape', want)}, light {agent!r} gives {getattr(have, 'shape', have)}; "
                    "evaluate it on the experiment it was trained on (its params.json)."
                )

    def sense(self, env: TrafficLightEnv, observations: dict[str, Any]) -> dict[str, dict[str, Any]]:
        """Each asked light's observation (as lists: what its camera and phase sensors report)."""

        def plain(value: Any) -> Any:
            return (
                {k: np.asarray(v).tolist() for k, v in value.items()}
                if isinstance(value, dict)
                else np.asarray(value).tolist()
            )

        return {tls: {"observation": plain(obs)} for tls, obs in observations.items()}

    def light_module_path(self, tls: str) -> Path:
        """Where light ``tls``'s module comes from: its own saved copy (``restore_dir/<light>``) if there is one,
        else its policy's module in the checkpoint."""
        own = self.restore_dir / tls if self.restore_dir is not None else None
        return own if own is not None and own.is_dir() else module_path(self.checkpoint, self.mapping(tls, None))

    def decider(self, tls: str) -> LightDecider:
        policy, path = self.mapping(tls, None), self.light_module_path(tls)
        return PolicyDecider(path, self.modules[policy] if path == module_path(self.checkpoint, policy) else None)
