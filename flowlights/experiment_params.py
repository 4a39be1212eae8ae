"""The rest of Flow's params objects, for experiment configs (``flow_params``).

SumoParams and EnvParams live in ``flowlights.params``. Here: NetParams (which scenario, or
which generated network and demand), VehicleParams (vehicle types added to the demand),
InitialConfig (how an episode starts) and TrafficLightParams (which lights, safety timings).
"""
from __future__ import annotations

import sys
from dataclasses import dataclass, field, fields
from typing import Any, Optional, Sequence, Union

from flowlights.errors import ConfigError
from flowlights.networks.demand import InFlows
from flowlights.validation import check_types


@dataclass
class NetParams:
    """A scenario given as files (``scenario``/``sumocfg``/``net_file`` + ``route_file``), or a
    generated ``network`` with ``additional_params`` (e.g. rows, cols) and ``inflows``."""

    scenario: Optional[str] = None
    sumocfg: Optional[str] = None
    net_file: Optional[str] = None
    route_file: Union[str, Sequence[str], None] = None
    additional_files: Sequence[str] = field(default_factory=list)
    inflows: Optional[InFlows] = None
    additional_params: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        check_types(self)


@dataclass
class VehicleParams:
    """Vehicle types written beside the demand; ``add`` one per type (SUMO vType attributes)."""

    types: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        check_types(self)

    def add(self, veh_id: str, **attributes: Any) -> "VehicleParams":
        self.types.append({"id": veh_id, **attributes})
        return self


@dataclass
class InitialConfig:
    """How an episode starts: ``warmup`` seconds under the lights' own programs."""

    warmup: float = 0.0

    def __post_init__(self) -> None:
        check_types(self)
        if self.warmup < 0:
            raise ConfigError(f"InitialConfig: warmup={self.warmup!r} must be >= 0 seconds.")


@dataclass
class TrafficLightParams:
    """Which lights the agents control (None = all) and the safety timings (None = EnvParams' default)."""

    tls_ids: Optional[Sequence[str]] = None
    yellow: Optional[float] = None
    all_red: Optional[float] = None
    min_green: Optional[float] = None
    max_green: Optional[float] = None
    action_mode: Optional[str] = None

    def __post_init__(self) -> None:
        check_types(self)

    def overrides(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not None}


RENAMED = {"max_neighbors": "max_neighbours"}  # old spelling -> field, so results written before still load


def from_dict(cls: type, values: Optional[dict[str, Any]], where: str) -> Any:
    """Build a params dataclass from a dict, naming unknown fields and the allowed ones."""
    values = dict(values or {})
    for old, new in RENAMED.items():
        if old in values and new in {f.name for f in fields(cls)}:
            if new in values and values[new] != values[old]:
                raise ConfigError(f"{where}: {old}={values[old]!r} and {new}={values[new]!r} disagree; {new} is the name now.")
            print(f"flowlights: {where}: {old!r} is spelled {new!r} now; read as {new}.", file=sys.stderr)
            values[new] = values.pop(old)
    allowed = [f.name for f in fields(cls)]
    unknown = sorted(set(values) - set(allowed))
    if unknown:
        raise ConfigError(f"{where}: unknown field {unknown[0]!r}; allowed: {', '.join(allowed)}.")
    return cls(**values)
