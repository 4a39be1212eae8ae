"""make_create_env, as in Flow: turn flow_params into an environment creator for RLlib."""

from __future__ import annotations

from typing import Any, Callable

from flowlights.flow.training.classes import build_flow_env, is_flow_env, resolve_env_class
from flowlights.training.env_kwargs import env_kwargs
from flowlights.training.experiment import Experiment


def make_create_env(params: dict[str, Any] | Experiment, version: int = 0) -> tuple[Callable[..., Any], str]:
    """Return ``(create_env, env_name)`` for ``ray.tune.registry.register_env(env_name, create_env)``.

    The creator builds an ``RLlibMultiEnv`` from the experiment (RLlib's env config only
    shifts the seed per env runner; scenario files are prepared once, here, in the driver), or —
    when ``env_name`` is a Flow env class — that env on its network class, as a ``FlowRLlibEnv``.
    """
    flow_params = params.flow_params if isinstance(params, Experiment) else params
    env_class = flow_params.get("env_name", "TrafficLightEnv")
    env_name = f"{getattr(env_class, '__name__', str(env_class).rsplit('.', 1)[-1])}-{flow_params.get('exp_tag', 'flowlights')}-v{version}"
    if is_flow_env(flow_params):
        resolve_env_class(env_class, "flow_params['env_name']")  # a wrong name fails here, in the driver

        def create_flow_env(config: Any = None) -> Any:
            from flowlights.envs.rllib_env import FlowRLlibEnv  # optional: ray (rllib extra), which rllib_env imports

            offset = 10_000 * getattr(config, "worker_index", 0) + 1_000 * getattr(config, "vector_index", 0)
            return FlowRLlibEnv(build_flow_env(flow_params, seed_offset=offset))

        return create_flow_env, env_name
    kwargs = env_kwargs(flow_params)

    def create_env(config: Any = None) -> Any:
        from flowlights.envs.rllib_env import RLlibMultiEnv  # optional: ray (rllib extra), which rllib_env imports

        # each env runner (and each env in it) gets its own seed range
        offset = 10_000 * getattr(config, "worker_index", 0) + 1_000 * getattr(config, "vector_index", 0)
        return RLlibMultiEnv({**kwargs, "seed": kwargs.get("seed", 0) + offset})

    return create_env, env_name
