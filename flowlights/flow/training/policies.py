"""Flow-style policy definitions in Python experiment configs, translated to RLlib's new stack.

Flow's multi-agent configs define ``POLICY_GRAPHS`` (or ``POLICIES``/``policies``): a dict of
policy id -> ``(policy_class, obs_space, act_space, config)`` as ``gen_policy()`` returns it, or a
set of ids; ``policy_mapping_fn`` taking one argument (Flow) or RLlib's ``(agent_id, episode, **kw)``;
and ``POLICIES_TO_TRAIN``. On RLlib's new stack the spaces come from the env and the algorithm's
module is used for every policy, so ``PPOTFPolicy``/``PPOTorchPolicy`` (``flowlights.compat``) only
say "PPO"; a per-policy config is not supported and is reported, never dropped in silence.
"""

from __future__ import annotations

import inspect
import warnings
from typing import Any, Callable, Optional

from flowlights.errors import ConfigError


class PPOTFPolicy:
    """Flow's ``ray.rllib.agents.ppo.ppo_policy.PPOTFPolicy``: trained with RLlib's new-stack PPO module."""

    algorithm = "PPO"


class PPOTorchPolicy(PPOTFPolicy):
    """Flow's ``PPOTorchPolicy``: the same new-stack PPO module."""


class FlowMapping:
    """A picklable policy_mapping_fn that accepts Flow's one-argument functions and RLlib's signature."""

    def __init__(self, fn: Callable[..., str]) -> None:
        self.fn = fn
        try:
            params = [
                p
                for p in inspect.signature(fn).parameters.values()
                if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is p.empty
            ]
            self.one_argument = len(params) == 1 and not any(
                p.kind == p.VAR_KEYWORD for p in inspect.signature(fn).parameters.values()
            )
        except (TypeError, ValueError):  # a builtin or C function: call it as RLlib does
            self.one_argument = False

    def __call__(self, agent_id: Any, episode: Any = None, **kwargs: Any) -> str:
        return self.fn(agent_id) if self.one_argument else self.fn(agent_id, episode, **kwargs)


def policy_ids(definition: Any, where: str) -> set[str]:
    """The policy ids a config defines (dict of gen_policy tuples or PolicySpecs, or a collection of ids)."""
    if isinstance(definition, dict):
        for pid, spec in definition.items():
            if isinstance(spec, tuple) and spec:
                cls = spec[0]
                if cls is not None and not (isinstance(cls, type) and issubclass(cls, PPOTFPolicy)):
                    raise ConfigError(
                        f"{where}: policy {pid!r} uses {getattr(cls, '__name__', cls)!r}; on RLlib's new "
                        "stack use flowlights.compat.PPOTFPolicy (or PPOTorchPolicy), or None."
                    )
                if len(spec) > 3 and spec[3]:
                    warnings.warn(
                        f"{where}: the per-policy config of {pid!r} ({sorted(spec[3])}) has no meaning on RLlib's "
                        "new stack and is not used; put training settings in the config's `training` dict.",
                        UserWarning,
                        stacklevel=3,
                    )
        return {str(pid) for pid in definition}
    if isinstance(definition, (set, frozenset, list, tuple)):
        return {str(pid) for pid in definition}
    raise ConfigError(
        f"{where}: policies must be a dict of policy ids (POLICY_GRAPHS) or a set of ids, "
        f"got {type(definition).__name__}."
    )


def module_policies(module: Any, where: str) -> tuple[Any, Optional[Callable[..., str]], Optional[list[str]]]:
    """(policies, mapping, policies_to_train) from a config module's Flow or flowlights names."""
    found = {name: getattr(module, name) for name in ("policies", "POLICIES", "POLICY_GRAPHS") if hasattr(module, name)}
    if len(found) > 1:
        sets = {
            name: value if isinstance(value, str) else sorted(policy_ids(value, where)) for name, value in found.items()
        }
        if len({str(v) for v in sets.values()}) > 1:
            raise ConfigError(f"{where}: {' and '.join(found)} define different policies ({sets}); keep one of them.")
    definition = next(iter(found.values()), "shared")
    to_train = getattr(module, "POLICIES_TO_TRAIN", getattr(module, "policies_to_train", None))
    mapping = getattr(module, "policy_mapping_fn", None)
    if isinstance(definition, str):
        return definition, None if mapping is None else FlowMapping(mapping), to_train
    ids = policy_ids(definition, where)
    if mapping is None:
        if len(ids) != 1:
            raise ConfigError(
                f"{where}: defines policies {sorted(ids)} but no policy_mapping_fn (Flow's fn(agent_id) "
                "or RLlib's fn(agent_id, episode, **kwargs))."
            )
        only = next(iter(ids))
        mapping = lambda agent_id, *args, **kwargs: only  # noqa: E731  (one policy: every agent)
    if to_train is not None:
        unknown = sorted(set(to_train) - ids)
        if unknown:
            raise ConfigError(
                f"{where}: POLICIES_TO_TRAIN names {unknown}, which are not among the policies {sorted(ids)}."
            )
        to_train = list(to_train)
    return ids, FlowMapping(mapping), to_train
