"""Raw light states (Flow's k.traffic_light.set_state) through the safety guard: yellow first and held,
all-red before a new green, conflicting priority greens refused — link by link, SUMO's foes."""

from __future__ import annotations

import pytest

from conftest import REPO, RESCO
from flowlights.errors import ConfigError
from flowlights.signals.raw_state import RawStateGuard, junction_foes, link_foes


def run(guard: RawStateGuard, steps: int) -> list[str]:
    shown = []
    for _ in range(steps):
        guard.advance(1)
        shown.append(guard.shown)
    return shown


def test_green_to_other_green_goes_through_yellow_and_all_red():
    guard = RawStateGuard("c", "GrGr", yellow_steps=3, all_red_steps=2)
    guard.request("rGrG")
    assert guard.settle() == "yryr"  # the ending greens turn yellow at once; the new ones wait
    assert run(guard, 6) == ["yryr", "yryr", "rrrr", "rrrr", "rGrG", "rGrG"]


def test_a_yellow_the_env_writes_is_held_its_time_and_no_all_red_when_zero():
    guard = RawStateGuard("c", "GrGr", yellow_steps=3, all_red_steps=0)
    guard.request("yryr")
    assert guard.settle() == "yryr"
    guard.advance(1)
    guard.request("rGrG")  # Flow's env asks for the next green after 1 step: too early
    assert guard.settle() is None and guard.shown == "yryr"
    assert run(guard, 3) == ["yryr", "rGrG", "rGrG"]


def test_links_green_in_both_stay_green_and_bad_states_are_refused():
    guard = RawStateGuard("c", "GGrr", yellow_steps=2, all_red_steps=1, foes=[{2}, set(), {0}, set()])
    guard.request("Grrg")
    assert guard.settle() == "Gyrr"  # link 0 stays green, link 1 yellow, link 3 ('g') waits
    assert run(guard, 4) == ["Gyrr", "Grrr", "Grrg", "Grrg"]
    with pytest.raises(ConfigError, match="links 0 and 2 conflict"):
        guard.request("GrGr")
    with pytest.raises(ConfigError, match="has 4 links"):
        guard.request("GGG")
    with pytest.raises(ConfigError, match="'x' is not a SUMO signal"):
        guard.request("GxGr")


def programs_of(net_file):
    import sumolib

    net = sumolib.net.readNet(str(net_file), withPrograms=True)
    return {
        tls.getID(): [p.state for prog in tls.getPrograms().values() for p in prog.getPhases()]
        for tls in net.getTrafficLights()
    }


@pytest.mark.parametrize(
    "net",
    [
        REPO / "networks" / "grid2x2" / "grid2x2-flowlights.net.xml",
        RESCO / "cologne8" / "cologne8.net.xml",
        RESCO / "ingolstadt21" / "ingolstadt21.net.xml",
    ],
    ids=["grid2x2", "cologne8", "ingolstadt21"],
)
def test_every_netconvert_program_state_passes_the_conflict_check(net, tmp_path):
    """The foes read from SUMO refuse no state of the programs netconvert built (no false alarms),
    and do refuse a state that gives every link priority green."""
    if not net.is_file():
        pytest.skip(f"{net} not found")
    import traci

    from flowlights.sim.sumo_home import sumo_binary

    traci.start(
        [sumo_binary(), "-n", str(net), "--no-step-log", "true", "--no-warnings", "true"], label=f"foes-{net.stem}"
    )
    api = traci.getConnection(f"foes-{net.stem}")
    try:
        refused = 0
        by_junction = junction_foes(str(net))
        for tls, states in programs_of(net).items():
            foes = link_foes(api, tls, by_junction)
            guard = RawStateGuard(tls, states[0], 3, 2, foes)
            for state in states:
                guard.check(state)  # raises if netconvert's own program were "unsafe"
            if any(foes):
                with pytest.raises(ConfigError):
                    guard.check("G" * len(states[0]))
                refused += 1
        assert refused > 0
    finally:
        api.close()
