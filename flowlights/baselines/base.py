"""The interface every controller implements — baselines and trained policies alike — so that
evaluation treats them the same way."""
from __future__ import annotations

from typing import Any, Callable, Iterable

from flowlights.envs.traffic_light_env import TrafficLightEnv
from flowlights.registry import Registry


class Controller:
    """Chooses every light's action at each decision of a TrafficLightEnv.

    ``env_overrides`` are EnvParams fields the controller needs (e.g. an action mode, or the lane
    ``measures`` it reads: only declared measurements are taken);
    ``reset`` is called after every ``env.reset``; ``act`` returns {light id: action}.
    """

    name = "controller"
    env_overrides: dict[str, Any] = {}

    def reset(self, env: TrafficLightEnv) -> None:
        """Prepare for a new episode (the env has just been reset)."""

    def act(self, env: TrafficLightEnv, observations: dict[str, Any]) -> dict[str, int]:  # pragma: no cover
        raise NotImplementedError


CONTROLLERS: Registry[Callable[[], Controller]] = Registry("controller", "use --checkpoint PATH or one of")


def register_controller(name: str, override: bool = False) -> Callable[[type], type]:
    """Class decorator adding a controller under ``name`` (``override=True`` replaces one)."""
    add = CONTROLLERS.register(name, override)

    def wrap(cls: type) -> type:
        cls.name = name
        return add(cls)
    return wrap


def controller_env_kwargs(controller: Controller, env_kwargs: dict[str, Any],
                          extra_measures: Iterable[str] = ()) -> dict[str, Any]:
    """The env's keyword arguments for running ``controller``: its overrides win, except the lane
    measures, which are united (the user's, the controller's, and ``extra_measures``)."""
    merged = {**env_kwargs, **controller.env_overrides}
    measures = {*env_kwargs.get("measures", ()), *controller.env_overrides.get("measures", ()), *extra_measures}
    if measures:
        merged["measures"] = tuple(sorted(measures))
    return merged


def make_controller(name: str) -> Controller:
    return CONTROLLERS.get_or_fail(name)()
