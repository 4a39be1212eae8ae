"""Fixed-time controllers (the scenario's own program: re-timed to decisions, or untouched), and random
actions (sanity floor)."""
from __future__ import annotations

from typing import Any

from flowlights.baselines.base import Controller, register_controller
from flowlights.envs.traffic_light_env import TrafficLightEnv


class CycleController(Controller):
    """Cycles every light through its greens in program order, each for a set number of seconds
    (rounded up to whole decisions), through the same signal controller as the agents."""

    env_overrides = {"action_mode": "phase"}

    def green_times(self, env: TrafficLightEnv) -> dict[str, list[float]]:  # pragma: no cover
        raise NotImplementedError

    def reset(self, env: TrafficLightEnv) -> None:
        self.times = self.green_times(env)

    def act(self, env: TrafficLightEnv, observations: dict[str, Any]) -> dict[str, int]:
        actions = {}
        for tls in env.agents:
            machine = env.controller.machines[tls]
            due = machine.time_in_green(env.sim_params.step_length) >= self.times[tls][machine.green]
            actions[tls] = (machine.green + 1) % len(machine.greens) if due else machine.green
        return actions


@register_controller("fixed")
class FixedProgram(CycleController):
    """The scenario's own program: its greens, in its order, for its durations."""

    def green_times(self, env: TrafficLightEnv) -> dict[str, list[float]]:
        return {
            tls: env.topology.lights[tls].green_durations(env.controller.machines[tls].greens) for tls in env.possible_agents
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
