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
from flowlights.flow.kernel.vehicle import VehicleSpec
from flowlights.networks.demand import InFlows
from flowlights.params.validation import check_types


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
        self._specs: dict[str, Any] = {}  # how Flow env classes drive each type (flowlights.flow.kernel.VehicleSpec)

    def add(self, veh_id: str, **attributes: Any) -> "VehicleParams":
        self.types.append({"id": veh_id, **attributes})
        return self

    def set_spec(self, spec: Any) -> None:
        self._specs[spec.type_id] = spec

    def specs(self) -> list[Any]:
        """Each type with its controllers and initial vehicles (SUMO-driven, none placed, unless Flow's add said so)."""
        return [self._specs.get(t["id"]) or VehicleSpec(t["id"], vtype=dict(t)) for t in self.types]

    @property
    def ids(self) -> list[str]:
        """Flow's initial vehicle ids: ``<type>_<i>`` for each of a type's ``num_vehicles``."""
        return [f"{s.type_id}_{i}" for s in self.specs() for i in range(s.num_vehicles)]

    @property
    def num_vehicles(self) -> int:
        return len(self.ids)

    @property
    def num_rl_vehicles(self) -> int:
        return sum(s.num_vehicles for s in self.specs() if s.is_rl)

    def flow_only_settings(self) -> list[str]:
        """What only a Flow env class uses: initial vehicles and Python-side controllers, per type."""
        found = []
        for spec in self.specs():
            cls, options = spec.acceleration_controller
            name = getattr(cls, "__name__", "")
            if spec.num_vehicles:
                found.append(f"{spec.type_id}: num_vehicles={spec.num_vehicles}")
            if name and name not in ("SimCarFollowingController", "IDMController"):
                found.append(f"{spec.type_id}: acceleration_controller={name}")
            if name == "IDMController" and options.get("noise"):
                found.append(f"{spec.type_id}: IDMController noise={options['noise']}")
        return found


PLACEMENT_DEFAULTS = {
    "shuffle": False,
    "spacing": "uniform",
    "min_gap": 0.0,
    "perturbation": 0.0,
    "x0": 0.0,
    "bunching": 0.0,
    "lanes_distribution": float("inf"),
    "edges_distribution": "all",
}


@dataclass
class InitialConfig:
    """How an episode starts: ``warmup`` seconds under the lights' own programs; and, for Flow env
    classes (rings, Flow's grids), where the initial vehicles stand — Flow's ``spacing`` ("uniform",
    "random", "custom"), ``bunching`` (metres left empty), ``min_gap``, ``x0``, ``perturbation``
    (Gaussian, metres), ``shuffle`` (new order every reset), ``lanes_distribution``,
    ``edges_distribution`` ("all" or a list of edges). Scenario files place no initial vehicle."""

    warmup: float = 0.0
    shuffle: bool = False
    spacing: str = "uniform"
    min_gap: float = 0.0
    perturbation: float = 0.0
    x0: float = 0.0
    bunching: float = 0.0
    lanes_distribution: Any = float("inf")  # a number of lanes, inf = all
    edges_distribution: Any = "all"
    additional_params: Optional[dict[str, Any]] = None

    def __post_init__(self) -> None:
        check_types(self)
        if self.warmup < 0:
            raise ConfigError(f"InitialConfig: warmup={self.warmup!r} must be >= 0 seconds.")
        if self.spacing not in ("uniform", "random", "custom"):
            raise ConfigError(
                f"InitialConfig: spacing={self.spacing!r} is unknown; use 'uniform', 'random' or 'custom'."
            )
        if (
            isinstance(self.lanes_distribution, bool)
            or not isinstance(self.lanes_distribution, (int, float))
            or not self.lanes_distribution >= 1
        ):
            raise ConfigError(
                f"InitialConfig: lanes_distribution={self.lanes_distribution!r} must be a number of lanes >= 1 "
                "(inf: all lanes)."
            )
        for name in ("min_gap", "perturbation", "bunching"):
            if not getattr(self, name) >= 0:
                raise ConfigError(f"InitialConfig: {name}={getattr(self, name)!r} must be >= 0 metres.")

    def placement_options(self) -> dict[str, Any]:
        """The Flow placement options set to something else than Flow's defaults."""
        return {k: getattr(self, k) for k, v in PLACEMENT_DEFAULTS.items() if getattr(self, k) != v}


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
                raise ConfigError(
                    f"{where}: {old}={values[old]!r} and {new}={values[new]!r} disagree; {new} is the name now."
                )
            print(f"flowlights: {where}: {old!r} is spelled {new!r} now; read as {new}.", file=sys.stderr)
            values[new] = values.pop(old)
    allowed = [f.name for f in fields(cls)]
    unknown = sorted(set(values) - set(allowed))
    if unknown:
        raise ConfigError(f"{where}: unknown field {unknown[0]!r}; allowed: {', '.join(allowed)}.")
    return cls(**values)
