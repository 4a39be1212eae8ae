"""Protocols: named sets of MDP settings, so that every result can say under which it was measured.

- ``flowlights`` (default): the safe one — decisions every 5 s, 3 s yellow then 2 s all-red,
  green between 5 and 60 s, SUMO's teleporting as the user sets it.
- ``resco``: RESCO's benchmark MDP (Ault & Sharon 2021), to compare with its published delays —
  a decision every 10 s (arterial4x4: 5 s); on a change the yellow (3 s; arterial4x4: 2 s) runs
  inside that step, then the new green for the rest of it; no all-red; no max green; a light may
  switch at its first decision; SUMO with ``--time-to-teleport -1``; the scenario's own window
  and greens (the program's green phases, in program order).
- ``cbengine``: the KDD Cup 2021 City Brain Challenge's engine (CBEngine) — a decision every 10 s; a phase
  change stops the intersection for 5 s (here: 3 s yellow for the links that stop, then 2 s all-red), then the
  new green for the rest of the step; no max green; no teleports; a light may switch at its first decision.

A protocol sets fields of EnvParams/SumoParams. A field the user set to another value — not the dataclass
default, or passed by name to ``make_env`` even at its default — conflicts with it: that raises a ConfigError
naming both, never a silent override.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Mapping, TypeVar

from flowlights.errors import ConfigError

P = TypeVar("P")


@dataclass(frozen=True)
class Protocol:
    name: str
    summary: str
    env: Mapping[str, Any] = field(default_factory=dict)
    sim: Mapping[str, Any] = field(default_factory=dict)
    per_scenario: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)  # scenario name -> env fields
    start_served: bool = False  # the green shown when control starts counts as having had its min green

    def env_settings(self, scenario: str) -> dict[str, Any]:
        return {**self.env, **self.per_scenario.get(scenario, {})}


PROTOCOLS: dict[str, Protocol] = {
    "flowlights": Protocol("flowlights", "safe default: 5 s decisions, 3 s yellow + 2 s all-red, green 5-60 s"),
    "resco": Protocol(
        "resco",
        "RESCO's MDP: 10 s decisions with the 3 s yellow inside them, no all-red, no max green, no teleports",
        env={"delta_time": 10.0, "yellow": 3.0, "all_red": 0.0, "min_green": 7.0, "max_green": None},
        sim={"time_to_teleport": -1.0},
        per_scenario={"arterial4x4": {"delta_time": 5.0, "yellow": 2.0, "min_green": 3.0}},
        start_served=True,
    ),
    "cbengine": Protocol(
        "cbengine",
        "CBEngine's: 10 s decisions, a change stops the intersection 5 s (3 s yellow + 2 s all-red), no max green",
        env={"delta_time": 10.0, "yellow": 3.0, "all_red": 2.0, "min_green": 5.0, "max_green": None},
        sim={"time_to_teleport": -1.0},
        start_served=True,
    ),
}


def get_protocol(name: str) -> Protocol:
    if name not in PROTOCOLS:
        raise ConfigError(f"protocol={name!r} is unknown; use one of {', '.join(PROTOCOLS)}.")
    return PROTOCOLS[name]


def _apply(params: P, settings: Mapping[str, Any], protocol: str, scenario: str) -> P:
    defaults = {f.name: f.default for f in dataclasses.fields(params)}  # type: ignore[arg-type]
    named = getattr(params, "explicit", frozenset())  # fields the caller passed (make_env), default values included
    for key, value in settings.items():
        given = getattr(params, key)
        if (given != defaults[key] or key in named) and given != value:
            raise ConfigError(
                f"{key}={given!r} conflicts with protocol={protocol!r}, which sets {key}={value!r}"
                f"{f' on {scenario}' if scenario else ''}; drop {key}, or use protocol='flowlights' to choose it yourself."
            )
    return dataclasses.replace(params, **settings)  # type: ignore[type-var]


def check_named(kwargs: Mapping[str, Any]) -> None:
    """Settings a caller named (``make_env(protocol="resco", delta_time=5.0)``, ``--protocol resco --delta-time 5``)
    that its protocol sets otherwise — even at their defaults: a ConfigError naming both, never a silent override."""
    name = kwargs.get("protocol")
    if not name or not isinstance(name, str):
        return  # a protocol of the wrong type: EnvParams names it
    protocol = get_protocol(name)
    scenario = str(kwargs.get("scenario") or "").split(":")[-1]
    for key, value in {**protocol.env_settings(scenario), **protocol.sim}.items():
        if key in kwargs and kwargs[key] != value:
            raise ConfigError(
                f"{key}={kwargs[key]!r} conflicts with protocol={name!r}, which sets {key}={value!r}; drop {key}, "
                "or use protocol='flowlights' to choose it yourself."
            )


def apply_protocol(env_params: P, sim_params: Any, scenario: str) -> tuple[P, Any, Protocol]:
    """The params with ``env_params.protocol``'s settings for this scenario applied, and the protocol."""
    protocol = get_protocol(getattr(env_params, "protocol"))
    env = _apply(env_params, protocol.env_settings(scenario), protocol.name, scenario)
    sim = _apply(sim_params, protocol.sim, protocol.name, scenario)
    return env, sim, protocol
