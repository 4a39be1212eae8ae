"""flowlights: multi-agent reinforcement learning for SUMO traffic lights.

Importing the package starts nothing (no SUMO, no Ray); the heavy modules load on first use.
"""

from __future__ import annotations

import importlib.util
import sys
from typing import TYPE_CHECKING, Any

import gymnasium

from flowlights.common import kept_paths

__version__ = "0.1.0"
__all__ = ["parallel_env", "rllib_env", "gym_env", "multi_actor_env", "make_env", "__version__"]

if TYPE_CHECKING:  # pragma: no cover
    from flowlights.envs.traffic_light_env import TrafficLightEnv


def make_env(**kwargs: Any) -> "TrafficLightEnv":
    """Build the multi-agent traffic-light environment (a PettingZoo ParallelEnv).

    Takes the scenario (``sumocfg=``, ``net_file=``/``route_file=`` or ``scenario=`` a bundled
    name) and any field of ``SumoParams`` or ``EnvParams`` as keyword arguments.
    """
    from flowlights.envs.factory import make_env as _make  # lazy: importing flowlights loads no simulator
    from flowlights.params.protocols import check_named  # lazy: importing flowlights loads no simulator

    check_named(kwargs)  # what the caller named, even at its default, is never silently overridden
    return _make(**kwargs)


def parallel_env(**kwargs: Any) -> "TrafficLightEnv":
    """PettingZoo ParallelEnv over the controlled traffic lights (same arguments as make_env)."""
    return make_env(**kwargs)


def rllib_env(**kwargs: Any):
    """The same environment as an RLlib ``MultiAgentEnv`` (needs the ``[rllib]`` extra)."""
    from flowlights.envs.rllib_env import RLlibMultiEnv  # lazy: importing flowlights loads no simulator

    return RLlibMultiEnv(kwargs)


def gym_env(**kwargs: Any):
    """The same environment for ONE traffic light as a Gymnasium ``Env``."""
    from flowlights.envs.gym_env import SingleLightEnv  # lazy: importing flowlights loads no simulator

    return SingleLightEnv(**kwargs)


def multi_actor_env(**kwargs: Any):
    """Every light behind ONE Gymnasium agent, one light's decision per step, with ``action_masks()``
    (SimReinforce's multi-actor form, for single-agent libraries such as sb3-contrib's MaskablePPO)."""
    from flowlights.envs.multi_actor import MultiActorEnv  # lazy: importing flowlights loads no simulator

    return MultiActorEnv(**kwargs)


def _register_cbengine() -> None:
    """``gym.make("CBEngine-v0", simulator_cfg_file=..., thread_num=1, gym_dict=...)`` after ``import flowlights``
    (KDD Cup 2021 code; see docs/cbengine.md). Where the old ``gym`` package is not installed, ``import gym``
    gives Gymnasium, so the competition's ``import gym`` lines run unchanged."""
    if "CBEngine-v0" not in gymnasium.registry:
        gymnasium.register(
            "CBEngine-v0",
            entry_point="flowlights.cbengine.gym_env:CBEngineEnv",
            disable_env_checker=True,
            order_enforce=False,
        )
    if "gym" not in sys.modules and importlib.util.find_spec("gym") is None:
        sys.modules["gym"] = gymnasium


_register_cbengine()
kept_paths.install()  # flowlights.core.params, flowlights.experiment_params, ...: paths documents name
