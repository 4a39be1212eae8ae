"""SignalController: the only code that writes traffic-light states to SUMO.

It owns one PhaseMachine per controlled light, applies the agents' requests, advances the
machines every simulation step and sends SUMO a state only when it changes. Lights that are
not controlled are never touched and keep running their SUMO program.
"""
from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from flowlights.signals.machine import PhaseMachine
from flowlights.signals.phases import green_phases
from flowlights.signals.timing import Timing


class SignalController:
    """Safe switching for a set of lights: yellow, all-red, min and max green."""

    def __init__(self, programs: Mapping[str, list[str]], timing: Timing, action_mode: str = "phase") -> None:
        self.machines = {tls: PhaseMachine(green_phases(states, tls), timing, action_mode) for tls, states in programs.items()}
        self.api: Any = None

    def take_over(self, api: Any) -> None:
        """Start controlling in a running simulation from the states the lights show now."""
        self.api = api
        for tls, machine in self.machines.items():
            machine.adopt(api.trafficlight.getRedYellowGreenState(tls))
            api.trafficlight.setRedYellowGreenState(tls, machine.state)

    def apply(self, actions: Mapping[str, int]) -> None:
        """Pass each light its requested action; the machine ignores what the rules forbid."""
        for tls, action in actions.items():
            machine = self.machines[tls]
            if machine.request(action):
                self.api.trafficlight.setRedYellowGreenState(tls, machine.state)

    def steps_to_event(self) -> float:
        """Steps until some light must change its state by itself (inf if none will)."""
        return min(m.steps_to_event() for m in self.machines.values())

    def advance(self, steps: int = 1) -> None:
        """Call after SUMO ran ``steps`` steps (at most ``steps_to_event()``): advance the timers
        and write the states that changed."""
        set_state = self.api.trafficlight.setRedYellowGreenState
        for tls, machine in self.machines.items():
            if machine.advance(steps):
                set_state(tls, machine.state)

    def action_masks(self) -> dict[str, np.ndarray]:
        return {tls: m.action_mask() for tls, m in self.machines.items()}
