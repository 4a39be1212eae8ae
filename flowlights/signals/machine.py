"""PhaseMachine: the timing state machine of one light, counted in whole simulation steps.

green -> (request, after min green) -> yellow -> all-red -> next green. Max green forces a
switch to the next green in program order. Requests the rules forbid are ignored; the action
mask says in advance which requests would be taken. Pure Python: SignalController writes the
resulting states to SUMO.
"""

from __future__ import annotations

import numpy as np

from flowlights.signals.phases import clearance_state, is_green, yellow_state
from flowlights.signals.timing import Timing

GREEN_STAGE, YELLOW_STAGE, ALL_RED_STAGE = (
    "green",
    "yellow",
    "all_red",
)  # stages (GREEN in phases: green signal letters)


class PhaseMachine:
    """Which signal state one traffic light shows, step by step."""

    def __init__(
        self, greens: list[str], timing: Timing, action_mode: str = "phase", crossings: tuple[int, ...] = ()
    ) -> None:
        self.greens = greens
        self.timing = timing
        self.action_mode = action_mode
        self.crossings = crossings  # link indices of pedestrian crossings: their clearance lengthens the all-red
        self.all_red = timing.all_red  # of the transition under way
        self._yellow: dict[tuple[str, int], str] = {}  # transition states, derived once
        self._clearance: dict[tuple[str, int], str] = {}
        self.changes = 0  # green changes begun since the last adopt (an episode's churn)
        self.adopt(greens[0])

    @property
    def n_actions(self) -> int:
        return len(self.greens) if self.action_mode == "phase" else 2

    # -- state ------------------------------------------------------------------------
    def adopt(self, state: str, served: bool = False) -> None:
        """Take over from whatever the light shows; a non-green state is cleared to green 0.
        ``served``: a green shown now counts as having had its min green (may switch at once)."""
        self.green_steps = 0
        self.elapsed = 0
        self.changes = 0
        if state in self.greens:
            self.green_steps = self.timing.min_green if served else 0
            self.green = self.greens.index(state)
            self.stage, self.target, self.state = GREEN_STAGE, None, state
        else:
            self.green = 0
            self._begin_transition(0, from_state=state)
            self.changes = 0  # clearing what the light showed is not a decision

    @property
    def can_switch(self) -> bool:
        return self.stage == GREEN_STAGE and self.green_steps >= self.timing.min_green

    @property
    def must_switch(self) -> bool:
        t = self.timing
        return (
            self.stage == GREEN_STAGE
            and len(self.greens) > 1
            and t.max_green is not None
            and self.green_steps >= t.max_green
        )

    @property
    def in_transition(self) -> bool:
        return self.stage != GREEN_STAGE

    # -- agent side ---------------------------------------------------------------------
    def target_of(self, action: int) -> int:
        """Green index an action asks for."""
        if self.action_mode == "phase":
            return int(action)
        return (self.green + 1) % len(self.greens) if int(action) == 1 else self.green

    def request(self, action: int) -> bool:
        """Ask for a green; True if a transition started. Forbidden requests are ignored."""
        return self.request_green(self.target_of(action))

    def request_green(self, target: int) -> bool:
        """Ask for green ``target`` by index; True if a transition started (forbidden requests are ignored)."""
        if target == self.green or not self.can_switch:
            return False
        self._begin_transition(target, from_state=self.greens[self.green])
        return True

    def action_mask(self) -> np.ndarray:
        """1 for every action the rules would take now (the current green always counts)."""
        mask = np.zeros(self.n_actions, dtype=np.int8)
        if self.action_mode == "phase":
            if self.stage != GREEN_STAGE:
                mask[self.target] = 1
            elif self.can_switch:
                mask[:] = 1
                if self.must_switch:
                    mask[self.green] = 0
            else:
                mask[self.green] = 1
        else:
            mask[0] = 0 if self.must_switch else 1
            mask[1] = 1 if self.can_switch else 0
        return mask

    # -- clock ------------------------------------------------------------------------
    def steps_until_free(self) -> int:
        """Steps until the light may choose again (the transition done and the new green's min green over)."""
        t = self.timing
        if self.stage == GREEN_STAGE:
            return max(t.min_green - self.green_steps, 0)
        if self.stage == YELLOW_STAGE:
            return (t.yellow - self.elapsed) + self.all_red + t.min_green
        return (self.all_red - self.elapsed) + t.min_green

    def steps_to_event(self) -> float:
        """Steps until the state changes by itself (end of yellow/all-red, max green); inf if never."""
        t = self.timing
        if self.stage == YELLOW_STAGE:
            return t.yellow - self.elapsed
        if self.stage == ALL_RED_STAGE:
            return self.all_red - self.elapsed
        if t.max_green is None or len(self.greens) < 2:
            return float("inf")
        return max(t.max_green - self.green_steps, 1)

    def advance(self, steps: int) -> bool:
        """``steps`` simulation steps have passed, at most ``steps_to_event()`` of them;
        True if the state to show changed (only possible on the last step)."""
        if steps > 1:
            self.elapsed += steps - 1
            if self.stage == GREEN_STAGE:
                self.green_steps += steps - 1
        return self.tick() if steps > 0 else False

    def tick(self) -> bool:
        """One simulation step has passed; True if the state to show changed."""
        self.elapsed += 1
        t = self.timing
        if self.stage == GREEN_STAGE:
            self.green_steps += 1
            if self.must_switch:
                self._begin_transition((self.green + 1) % len(self.greens), from_state=self.greens[self.green])
                return True
            return False
        if self.stage == YELLOW_STAGE and self.elapsed >= t.yellow:
            if self.all_red > 0:
                self.stage, self.elapsed = ALL_RED_STAGE, 0
                key = (self.state, self.target)
                if key not in self._clearance:
                    self._clearance[key] = clearance_state(self.state, self.greens[self.target])
                self.state = self._clearance[key]
                return True
            return self._enter_target()
        if self.stage == ALL_RED_STAGE and self.elapsed >= self.all_red:
            return self._enter_target()
        return False

    def _begin_transition(self, target: int, from_state: str) -> None:
        self.changes += 1
        self.stage, self.target, self.elapsed = YELLOW_STAGE, target, 0
        self.all_red = self.all_red_for(from_state, self.greens[target])
        key = (from_state, target)
        if key not in self._yellow:
            self._yellow[key] = yellow_state(from_state, self.greens[target])
        self.state = self._yellow[key]

    def all_red_for(self, leaving: str, going: str) -> int:
        """The all-red of a transition: longer when a pedestrian crossing stops, so that yellow + all-red covers
        the pedestrian clearance (people already on the crossing get off before anything else goes)."""
        t = self.timing
        stopping = any(i < len(leaving) and is_green(leaving[i]) and not is_green(going[i]) for i in self.crossings)
        return max(t.all_red, t.pedestrian_clearance - t.yellow) if stopping else t.all_red

    def _enter_target(self) -> bool:
        assert self.target is not None
        self.green, self.target = self.target, None
        self.stage, self.elapsed, self.green_steps = GREEN_STAGE, 0, 0
        self.state = self.greens[self.green]
        return True

    def time_in_green(self, step_length: float) -> float:
        return self.green_steps * step_length
