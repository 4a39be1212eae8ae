"""CBEngineWorld: a CBEngine scenario running on SUMO, seen and driven the way CBEngine's API shows it.

It runs a TrafficLightEnv under protocol ``cbengine`` (so every phase change goes through our yellow,
all-red and min-green rules) and adds what CBEngine's Gym API needs: phases 1-8, the 24 lanes of an
agent in CBEngine's order, per-lane (in, out) counts, per-vehicle info and the competition's delay index.
Vehicles are followed second by second (SUMO's departed/arrived lists) so none is missed.
"""

from __future__ import annotations

import dataclasses
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Optional, Sequence

from flowlights.envs.traffic_light_env import TrafficLightEnv
from flowlights.errors import ConfigError
from flowlights.networks.cbengine_network import PHASE_MOVEMENTS, PHASES, CBEngineScenario, load_scenario, phase_state
from flowlights.params import EnvParams, SumoParams
from flowlights.params.protocols import get_protocol

NO_ROAD, EMPTY_LANE = -1, -2
FEATURES = ("lane_speed", "lane_vehicle_num", "classic")


@dataclass
class VehicleRecord:
    """What CBEngine's info log says about a vehicle that entered the network."""

    route: tuple[int, ...]
    start_time: float  # its creation time (the flow's departure), as CBEngine counts it
    t_ff: float  # free-flow travel time of its whole route
    arrived: Optional[float] = None  # when it left the network


class CBEngineWorld:
    """One CBEngine scenario on SUMO: agents are its signals (ids as ``str``), actions CBEngine phases 1-8."""

    def __init__(
        self,
        simulator_cfg_file: str | Path,
        step_seconds: float = 10.0,
        backend: str = "libsumo",
        seed: int = 0,
        gui: bool = False,
        env_options: Optional[Mapping[str, Any]] = None,
        sim_options: Optional[Mapping[str, Any]] = None,
    ) -> None:
        """``env_options``/``sim_options``: EnvParams/SumoParams fields beyond the protocol's (e.g.
        ``{"tripinfo_output": "trips.xml"}``, ``{"sumo_args": [...]}``)."""
        self.scenario: CBEngineScenario = load_scenario(simulator_cfg_file)
        self.roadnet = self.scenario.roadnet
        options = {"observation": ("phase",), "reward": "queue", **dict(env_options or {})}
        protocol = options.pop("protocol", "cbengine")
        if protocol != "cbengine":
            raise ConfigError(
                f"protocol={protocol!r}: CBEngine's world runs protocol 'cbengine' (10 s steps, 5 s "
                "change interval); train under protocol 'cbengine' to be scored here."
            )
        env_params = EnvParams(protocol="cbengine", **options)
        if step_seconds != 10.0:  # CBEngine's step is 10 s; another one is the user's explicit choice
            cbengine = get_protocol("cbengine").env  # its change interval (yellow, all-red), on another step
            env_params = dataclasses.replace(
                env_params,
                protocol="flowlights",
                delta_time=step_seconds,
                yellow=cbengine["yellow"],
                all_red=cbengine["all_red"],
                min_green=min(cbengine["min_green"], step_seconds),
                max_green=None,
            )
        sim_fields: dict[str, Any] = {
            "time_to_teleport": -1.0 if env_params.protocol == "flowlights" else None,
            **dict(sim_options or {}),
        }
        sim_params = SumoParams(backend=backend, gui=gui, seed=seed, **sim_fields)
        self.env = TrafficLightEnv(self.scenario.network.validate(), sim_params, env_params)
        fixed = [str(s) for s in self.scenario.links if str(s) not in self.env.possible_agents]
        if fixed:  # no lanes, or a single phase that moves anything: nothing to decide
            warnings.warn(
                f"signals {fixed[:5]}{'...' if len(fixed) > 5 else ''} have fewer than two phases that move "
                "traffic; they are not agents (they keep their only phase).",
                stacklevel=2,
            )
        self.agent_ids = [str(s) for s in self.scenario.links if str(s) in self.env.possible_agents]
        self._green_of: dict[str, dict[int, Optional[int]]] = {}
        for sid in self.agent_ids:
            greens = self.env.controller.machines[sid].greens
            states = {p: phase_state(self.scenario.links[int(sid)], p) for p in PHASES}
            self._green_of[sid] = {p: greens.index(s) if s in greens else None for p, s in states.items()}
        self.lanes = {
            sid: self._lane_table(int(sid)) for sid in self.agent_ids
        }  # agent -> its 24 SUMO lanes (None: none)
        self._routes = {str(vid): (t, route) for vid, t, route in self.scenario.vehicles}
        self.warnings = True
        self.phase: dict[str, int] = {}
        self.vehicles: dict[str, VehicleRecord] = {}
        self._lane_sets: dict[str, set[str]] = {}
        self._info_time, self._info_cache = -1.0, {}  # vehicle_info read at this simulated time
        self.env.add_step_hook(1.0, self._follow_vehicles)

    # -- layout -------------------------------------------------------------------------------
    def _lane_table(self, signal: int) -> list[Optional[str]]:
        """The SUMO lane ids of the agent's 24 CBEngine lanes (None: no such road or lane)."""
        table: list[Optional[str]] = []
        for road_id in self.roadnet.agent_roads(signal):
            n = len(self.roadnet.roads[road_id].lanes) if road_id != -1 else 0
            table += [f"{road_id}_{n - 1 - i}" if i < n else None for i in range(3)]
        return table

    def lane_ids(self, agent: str) -> list[int]:
        """The kit's ``intersections[id]['lanes']``: CBEngine lane ids, -1 for a missing road."""
        return [
            self.roadnet.roads[r].lane_id(i) if r != -1 else NO_ROAD
            for r in self.roadnet.agent_roads(int(agent))
            for i in range(3)
        ]

    @property
    def time(self) -> float:
        return self.env.sim.time

    @property
    def begin(self) -> float:
        return float(self.scenario.config.start_time)

    @property
    def end(self) -> float:
        return float(self.scenario.config.max_time)

    # -- episode ------------------------------------------------------------------------------
    def reset(self, seed: Optional[int] = None) -> None:
        self.env.reset(seed=seed)
        self.phase = {sid: 1 for sid in self.agent_ids}  # CBEngine starts every light on phase 1
        self.vehicles = {}
        self._lane_sets = {}
        self._info_time, self._info_cache = -1.0, {}
        self.done = False
        self.reward_counts()  # the lanes' vehicles now: the first step's (in, out) count from here

    def step(self, actions: Mapping[Any, Any]) -> None:
        """Apply CBEngine phases (lights not named keep theirs) and run one step (10 s)."""
        requests = {}
        for key, value in actions.items():
            agent = str(key)
            if agent not in self.phase:
                raise ConfigError(f"action for agent {key!r}: no such signal; agents are {self.agent_ids[:8]}...")
            try:
                phase = int(value)
            except (TypeError, ValueError):
                raise ConfigError(f"action {value!r} for agent {key!r} is not a phase; give an integer 1..8.") from None
            if phase not in PHASE_MOVEMENTS:
                raise ConfigError(f"action {value!r} for agent {key!r}: CBEngine phases are 1..8 (there is no 0).")
            self._warn_invalid(agent, phase)
            if self._green_of[agent][phase] is not None:  # a phase that moves nothing here keeps the current one
                self.phase[agent] = phase
        for agent in self.agent_ids:
            green = self._green_of[agent][self.phase[agent]]
            if green is not None:
                requests[agent] = green
        _, _, terminated, truncated, _ = self.env.step(requests)
        self.done = any(terminated.values()) or any(truncated.values()) or not self.env.agents

    def phase_for_green(self, agent: str, green: int) -> int:
        """The CBEngine phase that shows green ``green`` (an index of the light's greens, as our env's actions)."""
        for phase, index in self._green_of[agent].items():
            if index == green:
                return phase
        raise ConfigError(f"agent {agent}: green {green} is not one of its phases.")

    def _warn_invalid(self, agent: str, phase: int) -> None:
        if not self.warnings:
            return
        slots = self.roadnet.in_roads(int(agent))
        missing = sorted({slot for slot, _ in PHASE_MOVEMENTS[phase] if slots[slot] == -1})
        if missing:
            warnings.warn(
                f"agent {agent}: phase {phase} gives green to road slot(s) {missing}, which do not exist "
                "(set_warning(False) silences this).",
                stacklevel=3,
            )

    def close(self) -> None:
        self.env.close()

    # -- vehicles ------------------------------------------------------------------------------
    def _follow_vehicles(self, env: Any) -> None:
        simulation, now = env.sim.api.simulation, env.sim.time
        for vid in simulation.getDepartedIDList():
            start, route = self._routes.get(vid, (now, ()))
            if not route:  # a vehicle the flow file does not know (e.g. added by the user)
                route = tuple(int(e) for e in env.sim.api.vehicle.getRoute(vid) if e.lstrip("-").isdigit())
            self.vehicles[vid] = VehicleRecord(route, float(start), self.scenario.free_flow_time(route))
        for vid in simulation.getArrivedIDList():  # SUMO's arrival time: the start of the step it arrived in
            if vid in self.vehicles:
                self.vehicles[vid].arrived = now - env.sim_params.step_length

    def vehicle_info(self, vid: str) -> dict[str, list[float]]:
        """CBEngine's info for one vehicle in the network (values as one-element lists, as CBEngine gives them);
        read once per simulated time (info, log and score share it)."""
        now = self.time
        if self._info_time != now:
            self._info_time, self._info_cache = now, {}
        if vid not in self._info_cache:
            self._info_cache[vid] = self._read_vehicle(vid)
        return self._info_cache[vid]

    def _read_vehicle(self, vid: str) -> dict[str, list[float]]:
        api, record = self.env.sim.api.vehicle, self.vehicles[vid]
        index = max(0, min(api.getRouteIndex(vid), len(record.route) - 1))
        road = record.route[index]
        on_road = api.getRoadID(vid) == str(road)
        length = self.roadnet.roads[road].length
        distance = api.getLanePosition(vid) if on_road else length
        n = len(self.roadnet.roads[road].lanes)
        drivable = road * 100 + n - 1 - api.getLaneIndex(vid) if on_road else -1  # -1: crossing an intersection
        return {
            "distance": [float(distance)],
            "drivable": [float(drivable)],
            "road": [float(road)],
            "route": [float(r) for r in record.route[index:]],
            "speed": [float(api.getSpeed(vid))],
            "start_time": [record.start_time],
            "t_ff": [record.t_ff],
        }

    def running(self) -> list[str]:
        return [vid for vid, r in self.vehicles.items() if r.arrived is None]

    def infos(self) -> dict[Any, Any]:
        """{vehicle id (int): info} for every vehicle in the network now."""
        return {kit_id(vid): self.vehicle_info(vid) for vid in self.running()}

    # -- observations and rewards -----------------------------------------------------------
    def lane_values(self, agent: str, feature: str) -> list[float]:
        """One CBEngine feature of an agent without the leading time: 24 lane values, or ``classic``'s 16."""
        lane = self.env.sim.api.lane
        table = self.lanes[agent]
        if feature == "lane_vehicle_num":
            return [NO_ROAD if l is None else lane.getLastStepVehicleNumber(l) for l in table]
        if feature == "lane_speed":
            return [
                NO_ROAD
                if l is None
                else (lane.getLastStepMeanSpeed(l) if lane.getLastStepVehicleNumber(l) else EMPTY_LANE)
                for l in table
            ]
        if feature == "classic":  # per incoming road: left and straight lanes' counts; then which of them are green
            counts, green = [], []
            moving = set(PHASE_MOVEMENTS[self.phase[agent]])
            for slot in range(4):
                for turn in (0, 1):
                    l = table[slot * 3 + turn]
                    counts.append(0 if l is None else lane.getLastStepVehicleNumber(l))
                    green.append(1 if (slot, turn) in moving else 0)
            return counts + green
        raise ConfigError(f"observation feature {feature!r} is unknown; CBEngine's are {', '.join(FEATURES)}.")

    def reward_counts(self) -> dict[str, list[Any]]:
        """Per agent and lane, (vehicles that came in, vehicles that left) since the last call; -1 for no lane."""
        lane = self.env.sim.api.lane
        out: dict[str, list[Any]] = {}
        now_sets: dict[str, set[str]] = {}
        for agent in self.agent_ids:
            rows: list[Any] = []
            for l in self.lanes[agent]:
                if l is None:
                    rows.append(NO_ROAD)
                    continue
                if l not in now_sets:
                    now_sets[l] = set(lane.getLastStepVehicleIDs(l))
                before, now = self._lane_sets.get(l, set()), now_sets[l]
                rows.append((len(now - before), len(before - now)))
            out[agent] = rows
        self._lane_sets = now_sets
        return out

    # -- the competition's score -----------------------------------------------------------------
    def delay_indices(self) -> dict[str, float]:
        """Every served vehicle's delay index: (travel time so far + free-flow time of the rest) / free-flow time."""
        now, out = self.time, {}
        for vid, record in self.vehicles.items():
            if record.arrived is not None:
                travel, rest = record.arrived - record.start_time, 0.0
            else:
                info = self.vehicle_info(vid)
                travel = now - record.start_time
                rest = remaining_free_flow(self.roadnet.roads, info["route"], info["distance"][0])
            out[vid] = (travel + rest) / record.t_ff if record.t_ff > 0 else 1.0
        return out

    def score(self) -> dict[str, float]:
        """{"total_served_vehicles", "delay_index"} as the kit's evaluate.py reports them (-1 before any vehicle)."""
        indices = self.delay_indices()
        return {
            "total_served_vehicles": len(indices),
            "delay_index": sum(indices.values()) / len(indices) if indices else -1.0,
        }

    def write_log(self, folder: Path) -> Path:
        """CBEngine's ``info_step {t}.log`` (t: the last simulated second) for every served vehicle, in the format
        the kit's evaluate.py reads; arrived vehicles carry their arrival time as their ``step``."""
        now = self.time
        folder.mkdir(parents=True, exist_ok=True)
        lines = [str(len(self.vehicles))]
        for vid, record in self.vehicles.items():
            if record.arrived is None:
                info, step = self.vehicle_info(vid), now
            else:
                last = record.route[-1]
                info = {
                    "distance": [self.roadnet.roads[last].length],
                    "drivable": [float(last * 100)],
                    "road": [float(last)],
                    "route": [float(last)],
                    "speed": [0.0],
                    "start_time": [record.start_time],
                    "t_ff": [record.t_ff],
                }
                step = record.arrived
            lines.append(f"for vehicle {vid}")
            for key in ("distance", "drivable", "road", "route", "speed", "start_time", "t_ff"):
                lines.append(f"{key} : " + " ".join(f"{v:g}" if key != "t_ff" else f"{v:.6f}" for v in info[key]))
            lines.append(f"step : {step:g}")
        path = folder / f"info_step {int(now) - 1}.log"
        path.write_text("\n".join(lines) + "\n")
        return path


def kit_id(vid: str) -> Any:
    """A vehicle id as CBEngine gives it: an int (our vehicles are numbered), else SUMO's own id."""
    return int(vid) if vid.isdigit() else vid


def remaining_free_flow(roads: Mapping[int, Any], route: Sequence[float], distance: float) -> float:
    """Free-flow time of the rest of a trip: what is left of the current road (route[0]) and the roads after it."""
    if not route:
        return 0.0
    first = roads[int(route[0])]
    return max(0.0, first.length - distance) / first.speed_limit + sum(roads[int(r)].free_flow_time for r in route[1:])
