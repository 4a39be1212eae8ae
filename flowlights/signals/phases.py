"""Green phases from a SUMO program, and the yellow / all-red states between two greens.

Greens come from SUMO's own program for the junction (netconvert builds conflict-free ones);
transitions are derived link by link, so no state string is ever written by hand.
"""

from __future__ import annotations

from typing import Sequence

from flowlights.errors import ConfigError

GREEN = frozenset("Gg")
YELLOW = frozenset("yY")


def is_green(signal: str) -> bool:
    return signal in GREEN


def green_phases(states: Sequence[str], tls_id: str = "?") -> list[str]:
    """The program's green states, in program order, without yellow phases or duplicates."""
    greens = [s for s in states if any(c in GREEN for c in s) and not any(c in YELLOW for c in s)]
    unique = list(dict.fromkeys(greens))
    if not unique:
        raise ConfigError(
            f"traffic light {tls_id!r} has no green phase in its program ({list(states)}); "
            "leave it out of tls_ids so it keeps its own program."
        )
    return unique


def yellow_state(current: str, target: str) -> str:
    """Links green now but not in the target turn yellow; every other link keeps its signal."""
    return "".join("y" if is_green(a) and not is_green(b) else a for a, b in zip(current, target))


def clearance_state(current: str, target: str) -> str:
    """All-red: only links green in both phases stay green; green or yellow ones turn red, others stay."""
    return "".join(
        a if is_green(a) and is_green(b) else ("r" if a in GREEN or a in YELLOW else a) for a, b in zip(current, target)
    )
