"""Fixed-time controllers (the scenario's own program: re-timed to decisions, or untouched), and random
actions (sanity floor)."""

from __future__ import annotations

from typing import Any

from flowlights.baselines.base import Controller, LightDecider, SplitController, register_controller, signal_reading
from flowlights.envs.traffic_light_env import TrafficLightEnv


class CycleDecider(LightDecider):
    """Next green (in program order) once the current one has had its time."""

    def __init__(self, times: list[float]) -> None:
        self.times = times

    def __call__(self, reading: dict[str, Any]) -> int:
        green = reading["green"]
        return (green + 1) % len(self.times) if reading["time_in_green"] >= self.times[green] else green


class CycleController(SplitController):
    """Cycles every light through its greens in program order, each for a set number of seconds
    (rounded up to whole decisions), through the same signal controller as the agents."""

    env_overrides = {"action_mode": "phase"}

    def green_times(self, env: TrafficLightEnv) -> dict[str, list[float]]:  # pragma: no cover
        raise NotImplementedError

    def prepare(self, env: TrafficLightEnv) -> None:
        self.times = self.green_times(env)

    def sense(self, env: TrafficLightEnv, observations: dict[str, Any]) -> dict[str, dict[str, Any]]:
        return {tls: signal_reading(env, tls) for tls in env.agents}

    def decider(self, tls: str) -> LightDecider:
        return CycleDecider(list(self.times[tls]))


@register_controller("fixed")
class FixedProgram(CycleController):
    """The scenario's own program: its greens, in its order, for its durations."""

    def green_times(self, env: TrafficLightEnv) -> dict[str, list[float]]:
        return {
            tls: env.topology.lights[tls].green_durations(env.controller.machines[tls].greens)
            for tls in env.possible_agents
        }


@register_controller("program")
class OwnProgram(Controller):
    """The network's own signal programs, run by SUMO untouched from the start of control (RESCO's
    FIXED). Unlike ``fixed``, green times are not rounded to whole decisions and the program's own
    yellow and red phases are kept."""

    def reset(self, env: TrafficLightEnv) -> None:
        for tls in env.possible_agents:
            env.controller.release(tls, env.topology.lights[tls].program_id)

    def act(self, env: TrafficLightEnv, observations: dict[str, Any]) -> dict[str, int]:
        return {}


@register_controller("random")
class RandomActions(Controller):
    """Uniform random actions (the controller still enforces the safety rules)."""

    def reset(self, env: TrafficLightEnv) -> None:
        for i, tls in enumerate(env.possible_agents):
            env.action_space(tls).seed(env.episode_seed * 1000 + i)

    def act(self, env: TrafficLightEnv, observations: dict[str, Any]) -> dict[str, int]:
        return {tls: int(env.action_space(tls).sample()) for tls in env.agents}
