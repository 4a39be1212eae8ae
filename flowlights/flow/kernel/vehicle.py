"""Flow's ``k.vehicle``: who is where, how fast, behind whom; accelerations, routes and lane changes.

Every vehicle's speed, edge, lane, position, route and leader are read once per simulation step
(SUMO subscriptions, on both backends) and served from there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Optional, Union

import numpy as np
import traci.constants as tc

from flowlights.errors import ConfigError

SPEED_MODES = {"aggressive": 0, "obey_safe_speed": 1, "no_collide": 7, "right_of_way": 25, "all_checks": 31}
LC_MODES = {
    "aggressive": 0,
    "no_lc_safe": 512,
    "no_lc_aggressive": 0,
    "sumo_default": 1621,
    "strategic": 1621,
    "no_strategic_aggressive": 1108,
    "no_strategic_safe": 1620,
    "only_strategic_aggressive": 1,
    "only_strategic_safe": 513,
    "no_cooperative_aggressive": 1105,
    "no_cooperative_safe": 1621,
    "only_cooperative_aggressive": 4,
    "only_cooperative_safe": 516,
    "no_speed_gain_aggressive": 1093,
    "no_speed_gain_safe": 1605,
    "only_speed_gain_aggressive": 16,
    "only_speed_gain_safe": 528,
    "no_right_drive_aggressive": 597,
    "no_right_drive_safe": 1109,
    "only_right_drive_aggressive": 512,
    "only_right_drive_safe": 1024,
}
VARIABLES = [tc.VAR_SPEED, tc.VAR_ROAD_ID, tc.VAR_LANE_INDEX, tc.VAR_LANEPOSITION, tc.VAR_EDGES, tc.VAR_TYPE]
LEADER_RANGE = 2000.0  # metres ahead a leader is looked for (Flow's)


def mode_number(mode: Any, table: dict[str, int], what: str) -> int:
    if isinstance(mode, (int, np.integer)):
        return int(mode)
    if mode in table:
        return table[mode]
    raise ConfigError(f"{what}={mode!r} is unknown; use a number or one of {', '.join(table)}.")


@dataclass
class VehicleSpec:
    """One ``VehicleParams.add`` of a Flow config: the type and how its vehicles are driven."""

    type_id: str
    acceleration_controller: tuple = (None, {})
    lane_change_controller: tuple = (None, {})
    routing_controller: Optional[tuple] = None
    initial_speed: float = 0.0
    num_vehicles: int = 0
    speed_mode: Any = "right_of_way"
    lane_change_mode: Any = "no_lc_safe"
    min_gap: float = 2.5
    car_following_params: Any = None
    lane_change_params: Any = None
    vtype: dict[str, Any] = field(default_factory=dict)

    @property
    def is_rl(self) -> bool:
        return getattr(self.acceleration_controller[0], "__name__", "") == "RLController"


class VehicleKernel:
    """Flow's vehicle kernel; vehicles of an RLController type are the RL vehicles."""

    def __init__(self, specs: Iterable[VehicleSpec], sim_step: float) -> None:
        self.specs = {s.type_id: s for s in specs}
        self.sim_step = sim_step
        self.api: Any = None
        self.network: Any = None  # the NetworkKernel, for positions along the network (set by the env)
        self.initial_ids = [f"{s.type_id}_{i}" for s in self.specs.values() for i in range(s.num_vehicles)]
        self._reset_state()

    def _reset_state(self) -> None:
        self._ids: list[str] = []
        self._type: dict[str, str] = {}
        self._obs: dict[str, dict[int, Any]] = {}
        self._leader: dict[str, tuple[str, float]] = {}
        self._previous_speed: dict[str, float] = {}
        self._acc: dict[str, Any] = {}
        self._lc: dict[str, Any] = {}
        self._router: dict[str, Any] = {}
        self._arrived: list[str] = []
        self._departed: list[str] = []
        self._arrived_rl: list[list[str]] = []
        self._observed: set[str] = set()
        self.num_arrived: list[int] = []

    # -- life cycle --------------------------------------------------------------------------
    def pass_api(self, api: Any) -> None:
        self.api = api
        self._reset_state()

    def reset(self) -> None:
        self._reset_state()

    def add(
        self,
        veh_id: str,
        type_id: str,
        edge: str,
        lane: Union[int, str] = 0,
        pos: Union[float, str] = 0,
        speed: Union[float, str] = 0,
    ) -> None:
        """Insert a vehicle on ``edge`` (its route: the network's ``route<edge>``)."""
        routes = [r for r in self.api.route.getIDList() if r == f"route{edge}" or r.startswith(f"route{edge}_")]
        if not routes:
            raise ConfigError(f"vehicle {veh_id!r}: no route starts at edge {edge!r}.")
        self.api.vehicle.add(
            veh_id, routes[0], typeID=str(type_id), departLane=str(lane), departPos=str(pos), departSpeed=str(speed)
        )

    def remove(self, veh_id: str) -> None:
        if veh_id in self._type:
            self.api.vehicle.remove(veh_id)
            self._forget(veh_id)

    def _forget(self, veh_id: str) -> None:
        if veh_id in self._type:
            self._ids.remove(veh_id)
        for table in (self._type, self._obs, self._leader, self._acc, self._lc, self._router, self._previous_speed):
            table.pop(veh_id, None)
        self._observed.discard(veh_id)

    def _register(self, veh_id: str) -> None:
        type_id = self.api.vehicle.getTypeID(veh_id)
        spec = self.specs.get(type_id) or self.specs.get(type_id.split("@")[0])
        self._ids.append(veh_id)
        self._type[veh_id] = type_id
        self.api.vehicle.subscribe(veh_id, VARIABLES)
        self.api.vehicle.subscribeLeader(veh_id, LEADER_RANGE)
        if spec is None:
            return
        self.api.vehicle.setSpeedMode(veh_id, mode_number(spec.speed_mode, SPEED_MODES, "speed_mode"))
        self.api.vehicle.setLaneChangeMode(veh_id, mode_number(spec.lane_change_mode, LC_MODES, "lane_change_mode"))
        cls, options = spec.acceleration_controller
        if cls is not None and not spec.is_rl and getattr(cls, "__name__", "") != "SimCarFollowingController":
            self._acc[veh_id] = cls(veh_id, car_following_params=spec.car_following_params, **options)
        lc_cls, lc_options = spec.lane_change_controller
        if lc_cls is not None and getattr(lc_cls, "__name__", "") != "SimLaneChangeController":
            self._lc[veh_id] = lc_cls(veh_id, lane_change_params=spec.lane_change_params, **lc_options)
        if spec.routing_controller is not None:
            r_cls, r_options = spec.routing_controller
            self._router[veh_id] = r_cls(veh_id, r_options)

    def update(self, reset: bool = False) -> None:
        """Read the step's arrivals, departures and every vehicle's state."""
        api = self.api
        self._arrived = list(api.simulation.getArrivedIDList())
        self._arrived_rl.append([v for v in self._arrived if v in self._type and self._is_rl(v)])
        for veh_id in self._arrived:
            self._forget(veh_id)
        self._departed = list(api.simulation.getDepartedIDList())
        for veh_id in self._departed:
            if veh_id not in self._type:
                self._register(veh_id)
        self.num_arrived.append(len(self._arrived))
        self._previous_speed = {v: float(o.get(tc.VAR_SPEED, 0.0)) for v, o in self._obs.items()}
        results = api.vehicle.getAllSubscriptionResults()
        gone = [v for v in self._ids if v not in results]
        for veh_id in gone:
            self._forget(veh_id)
        self._obs = {v: results[v] for v in self._ids}
        self._leader = {}
        for veh_id, obs in self._obs.items():
            lead = obs.get(tc.VAR_LEADER)
            if lead and lead[0]:
                spec = self.specs.get(self._type[veh_id].split("@")[0])
                self._leader[veh_id] = (lead[0], float(lead[1]) + (spec.min_gap if spec else 2.5))

    def _is_rl(self, veh_id: str) -> bool:
        spec = self.specs.get(self._type.get(veh_id, "").split("@")[0])
        return bool(spec and spec.is_rl)

    # -- ids -------------------------------------------------------------------------------------
    def get_ids(self) -> list[str]:
        return list(self._ids)

    def get_rl_ids(self) -> list[str]:
        return [v for v in self._ids if self._is_rl(v)]

    def get_human_ids(self) -> list[str]:
        return [v for v in self._ids if not self._is_rl(v)]

    def get_controlled_ids(self) -> list[str]:
        """Human vehicles driven by a Python acceleration controller (e.g. IDMController)."""
        return [v for v in self._ids if v in self._acc]

    def get_controlled_lc_ids(self) -> list[str]:
        return [v for v in self._ids if v in self._lc]

    def get_ids_by_edge(self, edges: Union[str, list[str]]) -> list[str]:
        wanted = {edges} if isinstance(edges, str) else set(edges)
        return [v for v in self._ids if self._obs[v].get(tc.VAR_ROAD_ID) in wanted]

    def get_arrived_ids(self) -> list[str]:
        return list(self._arrived)

    def get_departed_ids(self) -> list[str]:
        return list(self._departed)

    def get_arrived_rl_ids(self, k: int = 1) -> list[str]:
        return [v for step in self._arrived_rl[-k:] for v in step]

    @property
    def num_vehicles(self) -> int:
        return len(self._ids)

    @property
    def num_rl_vehicles(self) -> int:
        return len(self.get_rl_ids())

    # -- per-vehicle values (a list of ids gives a list) -------------------------------------
    def _value(self, veh_id: Any, var: int, default: Any) -> Any:
        if isinstance(veh_id, (list, tuple, np.ndarray)):
            return [self._value(v, var, default) for v in veh_id]
        return self._obs.get(veh_id, {}).get(var, default)

    def get_speed(self, veh_id: Any, error: float = -1001.0) -> Any:
        return self._value(veh_id, tc.VAR_SPEED, error)

    def get_previous_speed(self, veh_id: Any, error: float = -1001.0) -> Any:
        if isinstance(veh_id, (list, tuple)):
            return [self.get_previous_speed(v, error) for v in veh_id]
        return self._previous_speed.get(veh_id, error)

    def get_position(self, veh_id: Any, error: float = -1001.0) -> Any:
        return self._value(veh_id, tc.VAR_LANEPOSITION, error)

    def get_edge(self, veh_id: Any, error: str = "") -> Any:
        return self._value(veh_id, tc.VAR_ROAD_ID, error)

    def get_lane(self, veh_id: Any, error: int = -1001) -> Any:
        return self._value(veh_id, tc.VAR_LANE_INDEX, error)

    def get_route(self, veh_id: Any, error: Any = ()) -> Any:
        if isinstance(veh_id, (list, tuple)):
            return [self.get_route(v, error) for v in veh_id]
        return list(self._obs.get(veh_id, {}).get(tc.VAR_EDGES, error))

    def get_type(self, veh_id: str) -> str:
        return self._type.get(veh_id, "")

    def get_initial_speed(self, veh_id: str) -> float:
        spec = self.specs.get(veh_id.rsplit("_", 1)[0])
        return spec.initial_speed if spec else 0.0

    def get_leader(self, veh_id: Any, error: Any = None) -> Any:
        if isinstance(veh_id, (list, tuple)):
            return [self.get_leader(v, error) for v in veh_id]
        lead = self._leader.get(veh_id)
        return lead[0] if lead else error

    def get_headway(self, veh_id: Any, error: float = 1000.0) -> Any:
        """Gap to the leader's back, bumper to bumper (SUMO's leader distance + min gap, as Flow); 1000 without a leader."""
        if isinstance(veh_id, (list, tuple)):
            return [self.get_headway(v, error) for v in veh_id]
        lead = self._leader.get(veh_id)
        return lead[1] if lead else error

    def get_follower(self, veh_id: str, error: Any = None) -> Any:
        for other, (lead, _) in self._leader.items():
            if lead == veh_id:
                return other
        return error

    def get_x_by_id(self, veh_id: str) -> float:
        """Position along the whole network (Flow's ``get_x``): needs the network kernel (set by the env)."""
        return self.network.get_x(self.get_edge(veh_id), self.get_position(veh_id))

    def get_acc_controller(self, veh_id: str) -> Any:
        return self._acc.get(veh_id)

    def get_lane_changing_controller(self, veh_id: str) -> Any:
        return self._lc.get(veh_id)

    def get_routing_controller(self, veh_id: str) -> Any:
        return self._router.get(veh_id)

    def get_length(self, veh_id: str) -> float:
        return float(self.api.vehicle.getLength(veh_id))

    def get_max_speed(self, veh_id: str) -> float:
        return float(self.api.vehicle.getMaxSpeed(veh_id))

    # -- commands ------------------------------------------------------------------------------------
    def apply_acceleration(self, veh_ids: Any, acc: Any) -> None:
        """Next step's speed = speed + acc * sim_step (>= 0) for each vehicle; None leaves it to SUMO."""
        if isinstance(veh_ids, str):
            veh_ids, acc = [veh_ids], [acc]
        for veh_id, a in zip(veh_ids, acc):
            if a is None or veh_id not in self._type:
                continue
            a = float(np.asarray(a, dtype=float).reshape(-1)[0])
            speed = max(self.get_speed(veh_id) + a * self.sim_step, 0.0)
            self.api.vehicle.slowDown(veh_id, speed, 1e-3)

    def apply_lane_change(self, veh_ids: Any, direction: Any) -> None:
        """Flow's lane change: -1 right, 0 stay, +1 left."""
        for veh_id, d in zip(veh_ids, direction):
            if d is None or veh_id not in self._type or int(d) == 0:
                continue
            edge = self.get_edge(veh_id)
            lanes = self.network.num_lanes(edge) if self.network else 1
            target = min(max(self.get_lane(veh_id) + int(np.sign(d)), 0), max(lanes - 1, 0))
            self.api.vehicle.changeLane(veh_id, int(target), 100000.0)

    def choose_routes(self, veh_ids: list[str], route_choices: list[Optional[list[str]]]) -> None:
        for veh_id, route in zip(veh_ids, route_choices):
            if route is not None:
                self.api.vehicle.setRoute(veh_id, list(route))

    def set_observed(self, veh_id: str) -> None:
        self._observed.add(veh_id)

    def remove_observed(self, veh_id: str) -> None:
        self._observed.discard(veh_id)

    def get_observed_ids(self) -> list[str]:
        return sorted(self._observed)

    def update_vehicle_colors(self) -> None:
        """Flow colours vehicles in the GUI: RL red, observed cyan, others white."""
        for veh_id in self._ids:
            colour = (
                (255, 0, 0, 255)
                if self._is_rl(veh_id)
                else (0, 255, 255, 255)
                if veh_id in self._observed
                else (255, 255, 255, 255)
            )
            self.api.vehicle.setColor(veh_id, colour)

    def get_outflow_rate(self, time_span: float) -> float:
        """Vehicles per hour that left the network over the last ``time_span`` seconds."""
        steps = max(1, int(time_span / self.sim_step))
        window = self.num_arrived[-steps:]
        return 3600.0 * sum(window) / (len(window) * self.sim_step) if window else 0.0
