"""Influencer/follower pairs (Regularflow's coupled lights): a follower serves what its influencer stops.

A follower is not an agent. Whenever its influencer is in (or heading for) a green, the follower asks
its own PhaseMachine for the complementary green — so it goes through the same yellow, all-red and
min green as any light, and a switch it cannot make yet (min green) is asked again as soon as it can.
Pure Python over PhaseMachines: the SignalController writes the states.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Optional, Sequence

import numpy as np

from flowlights.signals.machine import PhaseMachine


def complement_table(influencer: np.ndarray, follower: np.ndarray) -> list[int]:
    """For each green of the influencer, the follower's green that best serves the directions it stops.

    Both arrays are (greens, sectors) shares of links let go per approach sector (NaN: no approach).
    A follower green scores +share on sectors the influencer stops and -share on those it serves;
    the best score wins (ties: the lower green index)."""
    weights = np.nan_to_num(1.0 - 2.0 * influencer, nan=0.0)  # +1 stopped, -1 served, 0 no approach
    shares = np.nan_to_num(follower, nan=0.0)
    return [int(np.argmax(shares @ w)) for w in weights]


@dataclass
class Coupling:
    influencer: str
    follower: str
    table: list[int]  # influencer green index -> follower green index


class Couplings:
    """Keeps every follower on the green its influencer's current (or next) green calls for."""

    def __init__(self, couplings: Sequence[Coupling]) -> None:
        self.pairs = list(couplings)

    @property
    def followers(self) -> list[str]:
        return [c.follower for c in self.pairs]

    def wanted(self, machines: Mapping[str, PhaseMachine]) -> dict[str, int]:
        """Follower -> the green it should head for now (its influencer's target during a transition)."""
        out = {}
        for c in self.pairs:
            lead = machines[c.influencer]
            green = lead.target if lead.target is not None else lead.green
            out[c.follower] = c.table[green]
        return out

    def _behind(self, machines: Mapping[str, PhaseMachine]) -> dict[str, int]:
        """Followers on another green than wanted and not already heading there."""
        return {
            f: g
            for f, g in self.wanted(machines).items()
            if (machines[f].target if machines[f].target is not None else machines[f].green) != g
        }

    def requests(self, machines: Mapping[str, PhaseMachine]) -> dict[str, int]:
        """Green-index requests to make now: followers behind their influencer that may switch."""
        return {f: g for f, g in self._behind(machines).items() if machines[f].can_switch}

    def steps_to_sync(self, machines: Mapping[str, PhaseMachine]) -> float:
        """Steps until a follower that is behind may switch (inf if none is waiting)."""
        waits = [max(machines[f].steps_until_free(), 1) for f in self._behind(machines)]
        return min(waits, default=float("inf"))


def parse_couplings(
    raw: Sequence, known: Optional[Sequence[str]] = None
) -> list[tuple[str, str, Optional[dict[int, int]]]]:
    """``[(influencer, follower[, {influencer green: follower green}]), ...]`` checked: ids in ``known`` (when
    given), no light both follower and influencer, no follower twice. Raises ValueError with the fix."""
    seen_followers: dict[str, str] = {}
    out = []
    for item in raw:
        if isinstance(item, (str, bytes)) or not isinstance(item, Sequence) or len(item) not in (2, 3):
            raise ValueError(
                f"coupling {item!r} must be (influencer, follower) or (influencer, follower, "
                "{influencer_green: follower_green}), e.g. ('A0', 'B0')."
            )
        influencer, follower = str(item[0]), str(item[1])
        table = None
        if len(item) == 3:
            if not isinstance(item[2], Mapping):
                raise ValueError(
                    f"coupling {item!r}: its third element must map influencer green -> follower green, e.g. {{0: 1, 1: 0}}."
                )
            table = {int(k): int(v) for k, v in item[2].items()}
        for tls in (influencer, follower):
            if known is not None and tls not in known:
                sample = ", ".join(list(known)[:10]) + (" ..." if len(known) > 10 else "")
                raise ValueError(
                    f"coupling ({influencer!r}, {follower!r}): {tls!r} is not a traffic light with a choice "
                    f"of greens in this network; lights: {sample}."
                )
        if influencer == follower:
            raise ValueError(f"coupling ({influencer!r}, {follower!r}) couples a light with itself.")
        if follower in seen_followers:
            raise ValueError(
                f"light {follower!r} follows two influencers ({seen_followers[follower]!r} and {influencer!r}); "
                "a follower has one influencer."
            )
        seen_followers[follower] = influencer
        out.append((influencer, follower, table))
    leaders = {i for i, _, _ in out}
    both = sorted(leaders & set(seen_followers))
    if both:
        raise ValueError(
            f"light(s) {', '.join(both)} are both a follower and an influencer; a follower is not an agent, "
            "so it cannot lead another light — couple the other light to the first influencer instead."
        )
    return out
