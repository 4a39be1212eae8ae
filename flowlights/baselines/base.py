"""The interface every controller implements — baselines and trained policies alike — so that
evaluation treats them the same way."""

from __future__ import annotations

from typing import Any, Callable, Iterable

from flowlights.common.registry import Registry
from flowlights.envs.traffic_light_env import TrafficLightEnv


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


class LightDecider:
    """One light's own decision logic: a reading of its sensors (a JSON-able dict) -> its action.

    Picklable and free of SUMO, so it runs wherever the light runs — in the evaluation process, or in
    the light's own service under ``flowlights deploy``. ``reset`` starts a new episode."""

    def reset(self) -> None:
        """Forget per-episode state (stateless deciders: nothing to do)."""

    def __call__(self, reading: dict[str, Any]) -> int:  # pragma: no cover - abstract
        raise NotImplementedError


class SplitController(Controller):
    """A controller whose decision splits per light: ``sense`` (the simulation side: what each light's
    sensors report) and one ``LightDecider`` per light (the light's logic). ``act`` is exactly
    ``decider(sense)``, so a deployed light decides what evaluation decides. Subclasses define
    ``prepare`` (instead of ``reset``), ``sense`` and ``decider``."""

    deployable = True

    def reset(self, env: TrafficLightEnv) -> None:
        self.prepare(env)
        self.deciders = {tls: self.decider(tls) for tls in env.possible_agents}

    def prepare(self, env: TrafficLightEnv) -> None:
        """What the deciders need from the network (matrices, plans), after ``env.reset``."""

    def sense(
        self, env: TrafficLightEnv, observations: dict[str, Any]
    ) -> dict[str, dict[str, Any]]:  # pragma: no cover
        raise NotImplementedError

    def decider(self, tls: str) -> LightDecider:  # pragma: no cover
        raise NotImplementedError

    def act(self, env: TrafficLightEnv, observations: dict[str, Any]) -> dict[str, int]:
        return {tls: self.deciders[tls](reading) for tls, reading in self.sense(env, observations).items()}


def signal_reading(env: TrafficLightEnv, tls: str) -> dict[str, Any]:
    """What every light knows of itself: its green, whether it may switch, seconds in this green."""
    machine = env.controller.machines[tls]
    return {
        "green": int(machine.green),
        "can_switch": bool(machine.can_switch),
        "time_in_green": float(machine.time_in_green(env.sim_params.step_length)),
    }


CONTROLLERS: Registry[Callable[[], Controller]] = Registry("controller", "use --checkpoint PATH or one of")


def register_controller(name: str, override: bool = False) -> Callable[[type], type]:
    """Class decorator adding a controller under ``name`` (``override=True`` replaces one)."""
    add = CONTROLLERS.register(name, override)

    def wrap(cls: type) -> type:
        cls.name = name
        return add(cls)

    return wrap


def controller_env_kwargs(
    controller: Controller, env_kwargs: dict[str, Any], extra_measures: Iterable[str] = ()
) -> dict[str, Any]:
    """The env's keyword arguments for running ``controller``: its overrides win, except the lane
    measures, which are united (the user's, the controller's, and ``extra_measures``)."""
    merged = {**env_kwargs, **controller.env_overrides}
    measures = {*env_kwargs.get("measures", ()), *controller.env_overrides.get("measures", ()), *extra_measures}
    if measures:
        merged["measures"] = tuple(sorted(measures))
    return merged


def make_controller(name: str) -> Controller:
    return CONTROLLERS.get_or_fail(name)()
