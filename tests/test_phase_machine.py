"""The timing state machine on its own: transitions, min/max green, masks, both action modes."""

from __future__ import annotations

from flowlights.signals.machine import ALL_RED_STAGE as ALL_RED
from flowlights.signals.machine import GREEN_STAGE as GREEN
from flowlights.signals.machine import YELLOW_STAGE as YELLOW
from flowlights.signals.machine import PhaseMachine
from flowlights.signals.phases import clearance_state, green_phases, yellow_state
from flowlights.signals.timing import Timing, to_steps

PROGRAM = ["GGrr", "yyrr", "rrGG", "rryy", "GgrG"]


def run(machine: PhaseMachine, steps: int) -> list[str]:
    states = []
    for _ in range(steps):
        machine.tick()
        states.append(machine.state)
    return states


def test_greens_skip_yellow_and_duplicates():
    assert green_phases(PROGRAM + ["GGrr"]) == ["GGrr", "rrGG", "GgrG"]


def test_transition_strings_are_derived_link_by_link():
    assert yellow_state("GGrr", "rrGG") == "yyrr"
    assert yellow_state("GgrG", "GGrr") == "GgrG"[:3] + "y"  # link 0,1 stay green, link 3 ends
    assert clearance_state("yyrr", "rrGG") == "rrrr"
    assert clearance_state("GgrG", "GGrr") == "Ggrr"


def test_yellow_then_all_red_then_green_and_min_green():
    m = PhaseMachine(green_phases(PROGRAM), Timing(yellow=3, all_red=2, min_green=5, max_green=None))
    assert not m.request(1), "min green not reached: request ignored"
    run(m, 5)
    assert m.request(1) and m.stage == YELLOW and m.state == "yyrr"
    states = run(m, 5)
    assert states == ["yyrr", "yyrr", "rrrr", "rrrr", "rrGG"]
    assert m.stage == GREEN and m.green == 1 and m.green_steps == 0


def test_max_green_forces_next_green_and_masks():
    m = PhaseMachine(green_phases(PROGRAM), Timing(yellow=2, all_red=0, min_green=2, max_green=4))
    assert list(m.action_mask()) == [1, 0, 0]
    run(m, 3)
    assert list(m.action_mask()) == [1, 1, 1]
    states = run(m, 1)
    assert m.stage == YELLOW and m.target == 1 and states == ["yyrr"]
    assert list(m.action_mask()) == [0, 1, 0], "during a transition only its target is accepted"
    assert run(m, 2) == ["yyrr", "rrGG"]


def test_switch_mode_cycles_in_program_order():
    m = PhaseMachine(green_phases(PROGRAM), Timing(1, 1, 1, None), action_mode="switch")
    assert m.n_actions == 2
    run(m, 1)
    assert not m.request(0) and list(m.action_mask()) == [1, 1]
    for expected in (1, 2, 0):
        assert m.request(1)
        run(m, 3)  # yellow, all-red, then one step of min green
        assert m.green == expected


def test_adopting_a_yellow_state_clears_it_first():
    m = PhaseMachine(green_phases(PROGRAM), Timing(3, 2, 5, None))
    m.adopt("rryy")
    assert m.stage == YELLOW and m.state == "rryy"
    assert run(m, 3)[-1] == "rrrr" and m.stage == ALL_RED


def test_green_changes_are_counted_from_the_last_adopt():
    m = PhaseMachine(green_phases(PROGRAM), Timing(yellow=1, all_red=0, min_green=1, max_green=3))
    m.adopt("rryy")  # clearing what the light showed is not a change anyone chose
    assert m.changes == 0
    run(m, 2)
    assert not m.request(0) and m.changes == 0, "asking for the green it shows changes nothing"
    assert m.request(2) and m.changes == 1
    assert not m.request(2) and m.changes == 1, "the transition under way is not a new change"
    run(m, 4)  # yellow, then green 2 until max green forces the next one
    assert m.changes == 2 and m.stage == YELLOW
    m.adopt("GGrr")
    assert m.changes == 0


def test_steps_round_up():
    assert to_steps(3.0, 1.0) == 3 and to_steps(3.0, 0.4) == 8 and to_steps(0.0, 0.1) == 0
    assert Timing.from_seconds(2.5, 0.0, 5, None, 1.0) == Timing(3, 0, 5, None)
