"""The interface every controller implements — baselines and trained policies alike — so that
evaluation treats them the same way."""
from __future__ import annotations

from typing import Any, Callable

from flowlights.envs.traffic_light_env import TrafficLightEnv
from flowlights.registry import Registry


class Controller:
    """Chooses every light's action at each decision of a TrafficLightEnv.

    ``env_overrides`` are EnvParams fields the controller needs (e.g. an action mode);
    ``reset`` is called after every ``env.reset``; ``act`` returns {light id: action}.
    """

    name = "controller"
    env_overrides: dict[str, Any] = {}

    def reset(self, env: TrafficLightEnv) -> None:
        """Prepare for a new episode (the env has just been reset)."""

    def act(self, env: TrafficLightEnv, observations: dict[str, Any]) -> dict[str, int]:  # pragma: no cover
        raise NotImplementedError


CONTROLLERS: Registry[Callable[[], Controller]] = Registry("controller", "use --checkpoint PATH or one of")


def register_controller(name: str) -> Callable[[type], type]:
    """Class decorator adding a controller under ``name``."""
    def wrap(cls: type) -> type:
        cls.name = name
        return CONTROLLERS.register(name)(cls)
    return wrap


def make_controller(name: str) -> Controller:
    return CONTROLLERS.get_or_fail(name)()
