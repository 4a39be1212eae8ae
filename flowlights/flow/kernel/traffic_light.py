"""Flow's ``k.traffic_light``: read any light, write raw states through RawStateGuard (yellow, all-red, no conflicts)."""

from __future__ import annotations

from typing import Any, Union

from flowlights.errors import ConfigError
from flowlights.signals.raw_state import RawStateGuard, junction_foes, link_foes


class TrafficLightKernel:
    """``get_ids()``, ``get_state(node_id)``, ``set_state(node_id, state, link_index="all")``.

    A light keeps its SUMO program until an env writes a state to it; from then on the state asked
    for is reached safely: a green that would end without its yellow gets the yellow (``yellow_steps``)
    and the all-red (``all_red_steps``) first."""

    def __init__(self, yellow_steps: int, all_red_steps: int, net_file: str = "") -> None:
        self.yellow_steps, self.all_red_steps = yellow_steps, all_red_steps
        self.foes = junction_foes(net_file) if net_file else {}
        self.api: Any = None
        self._ids: list[str] = []
        self.guards: dict[str, RawStateGuard] = {}

    def pass_api(self, api: Any) -> None:
        """A new SUMO run: lights an env wrote to show their last state asked for again, at once."""
        targets = {tls: guard.target for tls, guard in self.guards.items()}
        self.api = api
        self._ids = list(api.trafficlight.getIDList())
        self.guards = {}
        for tls, state in targets.items():
            if tls in self._ids:
                api.trafficlight.setRedYellowGreenState(tls, state)
                self.guards[tls] = RawStateGuard(
                    tls, state, self.yellow_steps, self.all_red_steps, link_foes(api, tls, self.foes)
                )

    def get_ids(self) -> list[str]:
        return list(self._ids)

    @property
    def num_traffic_lights(self) -> int:
        return len(self._ids)

    def get_state(self, node_id: str) -> str:
        """The state SUMO shows now (during a safe transition: the yellow or all-red)."""
        return str(self.api.trafficlight.getRedYellowGreenState(node_id))

    def set_state(self, node_id: str, state: str, link_index: Union[str, int] = "all") -> None:
        """Ask for ``state`` (all links) or for one link's signal (``link_index``); see the class."""
        if node_id not in self._ids:
            raise ConfigError(f"set_state: {node_id!r} is not a traffic light; lights: {', '.join(self._ids[:10])}.")
        guard = self.guards.get(node_id)
        if guard is None:
            shown = self.get_state(node_id)
            guard = self.guards[node_id] = RawStateGuard(
                node_id, shown, self.yellow_steps, self.all_red_steps, link_foes(self.api, node_id, self.foes)
            )
        if link_index != "all":
            i = int(link_index)
            state = guard.target[:i] + state + guard.target[i + 1 :]
        guard.request(state)
        shown = guard.settle()
        if shown is not None:
            self.api.trafficlight.setRedYellowGreenState(node_id, shown)

    def update(self, reset: bool = False) -> None:
        """After one simulation step: advance each transition and show its next safe state."""
        for node_id, guard in self.guards.items():
            shown = guard.advance(1)
            if shown is not None:
                self.api.trafficlight.setRedYellowGreenState(node_id, shown)
