"""SignalController: the only code that writes traffic-light states to SUMO.

It owns one PhaseMachine per controlled light, applies the agents' requests, advances the
machines every simulation step and sends SUMO a state only when it changes. Lights that are
not controlled are never touched and keep running their SUMO program.
"""

from __future__ import annotations

from typing import Any, Mapping, Optional

import traci.constants as tc

from flowlights.errors import ConfigError
from flowlights.signals.machine import PhaseMachine
from flowlights.signals.phases import clearance_state, green_phases, yellow_state
from flowlights.signals.timing import Timing

SUMO_PROGRAM_TYPES = {
    "static": tc.TRAFFICLIGHT_TYPE_STATIC,
    "actuated": tc.TRAFFICLIGHT_TYPE_ACTUATED,
    "delay_based": tc.TRAFFICLIGHT_TYPE_DELAYBASED,
}


class SignalController:
    """Safe switching for a set of lights: yellow, all-red, min and max green."""

    def __init__(
        self,
        programs: Mapping[str, list[str]],
        timing: Timing,
        action_mode: str = "phase",
        crossings: Optional[Mapping[str, tuple[int, ...]]] = None,
    ) -> None:
        """``crossings``: per light, the link indices of its pedestrian crossings (their clearance applies)."""
        crossings = crossings or {}
        self.machines = {
            tls: PhaseMachine(green_phases(states, tls), timing, action_mode, tuple(crossings.get(tls, ())))
            for tls, states in programs.items()
        }
        self.timing = timing
        self.step_length = 1.0
        self.api: Any = None
        self.active: dict[str, PhaseMachine] = dict(self.machines)

    def take_over(self, api: Any, step_length: float = 1.0, start_served: bool = False) -> None:
        """Start controlling in a running simulation from the states the lights show now
        (``start_served``: a green shown now may be left at once, without waiting its min green)."""
        self.api, self.step_length = api, step_length
        self.active = dict(self.machines)
        for tls, machine in self.machines.items():
            machine.adopt(api.trafficlight.getRedYellowGreenState(tls), served=start_served)
            api.trafficlight.setRedYellowGreenState(tls, machine.state)

    def apply(self, actions: Mapping[str, int]) -> None:
        """Pass each light its requested action; the machine ignores what the rules forbid."""
        for tls, action in actions.items():
            machine = self.active.get(tls)
            if machine is None:
                continue
            if machine.request(action):
                self.api.trafficlight.setRedYellowGreenState(tls, machine.state)

    def request_greens(self, greens: Mapping[str, int]) -> None:
        """Ask lights for a green by index, whatever the action mode (coupled followers); same rules."""
        for tls, green in greens.items():
            machine = self.active.get(tls)
            if machine is not None and machine.request_green(green):
                self.api.trafficlight.setRedYellowGreenState(tls, machine.state)

    def steps_to_event(self) -> float:
        """Steps until some light must change its state by itself (inf if none will)."""
        return min((m.steps_to_event() for m in self.active.values()), default=float("inf"))

    def advance(self, steps: int = 1) -> None:
        """Call after SUMO ran ``steps`` steps (at most ``steps_to_event()``): advance the timers
        and write the states that changed."""
        set_state = self.api.trafficlight.setRedYellowGreenState
        for tls, machine in self.active.items():
            if machine.advance(steps):
                set_state(tls, machine.state)

    def release(self, tls: str, program_id: str) -> None:
        """Stop controlling ``tls``: SUMO runs the light's own program ``program_id`` again, untouched."""
        self.active.pop(tls)
        self.api.trafficlight.setProgram(tls, program_id)

    def hand_over_to_sumo(self, tls: str, kind: str = "actuated") -> None:
        """Let SUMO's own logic (static, actuated or delay_based) run this light, on a program
        built from the same greens, derived yellow / all-red, and min / max green."""
        if kind not in SUMO_PROGRAM_TYPES:
            raise ConfigError(f"SUMO program type {kind!r} is unknown; use one of {', '.join(SUMO_PROGRAM_TYPES)}.")
        machine = self.active.pop(tls)
        t, step, domain = self.timing, self.step_length, self.api.trafficlight
        min_green = t.min_green * step
        max_green = (t.max_green * step) if t.max_green is not None else 120.0
        phases = []
        for i, green in enumerate(machine.greens):
            phases.append(domain.Phase(max(min_green, min(30.0, max_green)), green, min_green, max_green))
            if len(machine.greens) > 1:
                target = machine.greens[(i + 1) % len(machine.greens)]
                yellow = yellow_state(green, target)
                phases.append(domain.Phase(t.yellow * step, yellow, t.yellow * step, t.yellow * step))
                all_red = machine.all_red_for(green, target) * step
                if all_red:
                    phases.append(domain.Phase(all_red, clearance_state(yellow, target), all_red, all_red))
        logic = domain.Logic(f"flowlights-{kind}", SUMO_PROGRAM_TYPES[kind], 0, phases)
        current = machine.state
        if current in machine.greens:  # start where the light is, without an unsafe jump
            logic.currentPhaseIndex = [p.state for p in phases].index(current)
        domain.setProgramLogic(tls, logic)
        domain.setProgram(tls, f"flowlights-{kind}")
