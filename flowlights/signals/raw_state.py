"""Safe raw states: Flow's ``k.traffic_light.set_state(node, "GrGr")`` through flowlights' rules.

A Flow env writes whole state strings. RawStateGuard shows what is safe on the way to the state
asked for, link by link, every simulation step:
- a green link asked to turn red turns yellow first and stays yellow ``yellow`` steps (a yellow
  the env writes itself counts, and is held that long too); a red link asked to be yellow stays red;
- a link turns green only when no other link of the light is yellow and ``all_red`` steps have
  passed since the last yellow ended (the all-red clearance);
- a state in which two conflicting links both have priority green (``G``) is refused with a
  ConfigError naming them (foes as SUMO's junction model has them); ``g`` (yield) is allowed.
Links green in both states stay green; the rest is shown as asked.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any, Optional

from flowlights.errors import ConfigError
from flowlights.signals.phases import GREEN, YELLOW


class RawStateGuard:
    """One light's raw-state safety: ``request(state)``, then ``advance(steps)`` after SUMO ran."""

    def __init__(
        self, tls_id: str, shown: str, yellow_steps: int, all_red_steps: int, foes: Optional[list[set[int]]] = None
    ) -> None:
        self.tls_id = tls_id
        self.shown = shown
        self.target = shown
        self.yellow_steps, self.all_red_steps = max(1, yellow_steps), all_red_steps
        self.foes = foes or [set() for _ in shown]
        self.yellow_age = [0 if c in YELLOW else -1 for c in shown]  # steps each link has been yellow (-1: not)
        self.since_clear = all_red_steps  # steps since the last yellow ended

    def check(self, state: str) -> None:
        if len(state) != len(self.shown):
            raise ConfigError(
                f"set_state({self.tls_id!r}, {state!r}): the light has {len(self.shown)} links, "
                f"the state gives {len(state)} (its state now: {self.shown!r})."
            )
        unknown = sorted(set(state) - set("GgyYrRsuoO"))
        if unknown:
            raise ConfigError(
                f"set_state({self.tls_id!r}, {state!r}): {unknown[0]!r} is not a SUMO signal; "
                "use G g y r (and s u o O)."
            )
        for i, c in enumerate(state):
            clash = [j for j in self.foes[i] if c == "G" and state[j] == "G"]
            if clash:
                raise ConfigError(
                    f"set_state({self.tls_id!r}, {state!r}): links {i} and {clash[0]} conflict and would "
                    "both have priority green; give one of them 'g' (yield) or 'r'."
                )

    def request(self, state: str) -> None:
        self.check(state)
        self.target = state

    def next_state(self) -> str:
        """What may be shown now on the way to the target."""
        out = list(self.shown)
        yellow_now = False
        for i, (a, b) in enumerate(zip(self.shown, self.target)):
            if a in GREEN and b not in GREEN:
                out[i] = "y" if b not in YELLOW else b  # a green ends with its yellow
            elif a in YELLOW and b not in YELLOW and self.yellow_age[i] < self.yellow_steps:
                out[i] = a  # the yellow lasts its time
            elif a not in GREEN and b in GREEN:
                out[i] = a  # decided below, once every yellow is over
            elif a not in GREEN and a not in YELLOW and b in YELLOW:
                out[i] = a  # a yellow only ever follows a green
            else:
                out[i] = b
            yellow_now = yellow_now or out[i] in YELLOW
        ending = any(a in YELLOW and c not in YELLOW for a, c in zip(self.shown, out))
        if not yellow_now and (0 if ending else self.since_clear) >= self.all_red_steps:
            for i, (a, b) in enumerate(zip(self.shown, self.target)):
                if a not in GREEN and b in GREEN:
                    out[i] = b
        return "".join(out)

    def advance(self, steps: int) -> Optional[str]:
        """After SUMO ran ``steps`` steps: update the timers; the new state if it changed, else None."""
        had_yellow = any(age >= 0 for age in self.yellow_age)
        self.yellow_age = [age + steps if age >= 0 else -1 for age in self.yellow_age]
        self.since_clear += steps if not had_yellow else 0
        return self._show(self.next_state())

    def settle(self) -> Optional[str]:
        """Right after a request: show what may change at once (a yellow, a same-step green)."""
        return self._show(self.next_state())

    def _show(self, state: str) -> Optional[str]:
        if state == self.shown:
            return None
        ended_yellow = any(a in YELLOW and b not in YELLOW for a, b in zip(self.shown, state))
        self.yellow_age = [
            (self.yellow_age[i] if a in YELLOW else 0) if b in YELLOW else -1
            for i, (a, b) in enumerate(zip(self.shown, state))
        ]
        if ended_yellow:
            self.since_clear = 0
        self.shown = state
        return state


def junction_foes(net_file: str) -> dict[str, dict[int, set[int]]]:
    """Per junction, each link's foes as SUMO's junction model records them (``<request foes=...>``:
    crossing or merging paths; links leaving the same lane are not foes)."""
    found: dict[str, dict[int, set[int]]] = {}
    for _, node in ET.iterparse(str(net_file)):
        if node.tag == "junction" and node.get("type") != "internal":
            table = {}
            for request in node.iter("request"):
                bits = request.get("foes", "")
                table[int(request.get("index", 0))] = {j for j, bit in enumerate(reversed(bits)) if bit == "1"}
            if table:
                found[node.get("id", "")] = table
            node.clear()
    return found


def link_foes(api: Any, tls_id: str, foes_by_junction: dict[str, dict[int, set[int]]]) -> list[set[int]]:
    """For each link of the light, the links whose paths cross or merge with it."""
    links = api.trafficlight.getControlledLinks(tls_id)
    where: dict[tuple[str, int], list[int]] = {}
    spots: list[Optional[tuple[str, int]]] = []
    for i, group in enumerate(links):
        via = group[0][2] if group and group[0][2] else ""
        parts = via[1:].rsplit("_", 2) if via.startswith(":") else []
        spot = (parts[0], int(parts[1])) if len(parts) == 3 and parts[1].isdigit() else None
        spots.append(spot)
        if spot is not None:
            where.setdefault(spot, []).append(i)
    foes: list[set[int]] = [set() for _ in links]
    for i, spot in enumerate(spots):
        if spot is None:
            continue
        junction, index = spot
        for j in foes_by_junction.get(junction, {}).get(index, set()):
            foes[i].update(k for k in where.get((junction, j), []) if k != i)
    return foes
