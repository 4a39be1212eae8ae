"""Flow's traffic-light grid envs on TrafficLightGridNetwork: TrafficLightGridEnv and TrafficLightGridPOEnv.

Each light alternates between its two greens (``GrGr`` north-south, ``rGrG`` east-west) through
a yellow it holds ``switch_time`` seconds — Flow's logic, written as raw states; flowlights' safety
layer adds the all-red and makes every yellow last at least ``EnvParams.yellow``. Actions: Box(-1, 1)
per light (> 0 switches) or, with ``discrete``, one integer whose bits say which lights switch.
Reward: minus Flow's unscaled delay, plus a standstill penalty unless ``EnvParams(evaluate=True)``.
"""

from __future__ import annotations

import re
from typing import Any, Optional

import numpy as np
from gymnasium.spaces import Box, Discrete

from flowlights.errors import ConfigError
from flowlights.flow.envs import rewards
from flowlights.flow.envs.base import Env

ADDITIONAL_ENV_PARAMS = {"switch_time": 2.0, "tl_type": "controlled", "discrete": False}
ADDITIONAL_PO_ENV_PARAMS = {"num_observed": 2, "target_velocity": 30}
EDGE_NAME = re.compile(r"([a-zA-Z]+)(\d+)_(\d+)$")
VEHICLE_LENGTH = 5.0


class TrafficLightGridEnv(Env):
    """Flow's fully observed grid env (every vehicle's speed, distance to its light and edge)."""

    def __init__(self, env_params: Any, sim_params: Any, network: Any, simulator: str = "traci") -> None:
        missing = [k for k in ADDITIONAL_ENV_PARAMS if k not in env_params.additional_params]
        if missing:
            raise ConfigError(
                f"{type(self).__name__}: EnvParams.additional_params misses {missing[0]!r} "
                f"(Flow's defaults: {ADDITIONAL_ENV_PARAMS})."
            )
        if not hasattr(network, "node_mapping"):
            raise ConfigError(f"{type(self).__name__} runs on TrafficLightGridNetwork, not {type(network).__name__}.")
        grid = network.net_params.additional_params["grid_array"]
        self.grid_array = grid
        self.rows, self.cols = int(grid["row_num"]), int(grid["col_num"])
        self.num_traffic_lights = self.rows * self.cols
        self.tl_type = env_params.additional_params.get("tl_type")
        super().__init__(env_params, sim_params, network, simulator)
        self.last_change = np.zeros((self.num_traffic_lights, 1))
        self.direction = np.zeros((self.num_traffic_lights, 1))
        self.currently_yellow = np.zeros((self.num_traffic_lights, 1))
        self.min_switch_time = env_params.additional_params["switch_time"]
        self.discrete = env_params.additional_params.get("discrete", False)
        self.observed_ids: list = []
        if self.tl_type != "actuated":
            for i in range(self.num_traffic_lights):
                self.k.traffic_light.set_state(node_id=f"center{i}", state="GrGr")

    def _start_episode(self, seed: Optional[int]) -> None:
        super()._start_episode(seed)
        self.last_change[:] = 0
        self.direction[:] = 0
        self.currently_yellow[:] = 0

    @property
    def action_space(self) -> Any:
        if self.discrete:
            return Discrete(2**self.num_traffic_lights)
        return Box(low=-1, high=1, shape=(self.num_traffic_lights,), dtype=np.float32)

    @property
    def observation_space(self) -> Box:
        n = self.initial_vehicles.num_vehicles
        return Box(low=0.0, high=np.inf, shape=(3 * n + 3 * self.num_traffic_lights,), dtype=np.float32)

    def _max_dist(self) -> float:
        return float(
            max(self.grid_array["short_length"], self.grid_array["long_length"], self.grid_array["inner_length"])
        )

    def get_state(self) -> np.ndarray:
        ids = self.k.vehicle.get_ids()[: self.initial_vehicles.num_vehicles]
        pad = [0.0] * (self.initial_vehicles.num_vehicles - len(ids))
        speeds = [self.k.vehicle.get_speed(v) / self.k.network.max_speed() for v in ids] + pad
        dists = [self.find_intersection_dist(v) / self._max_dist() for v in ids] + pad
        edges = [self._convert_edge(self.k.vehicle.get_edge(v)) / (self.network.num_edges - 1) for v in ids] + pad
        return np.concatenate(
            [speeds, dists, edges, self.last_change.ravel(), self.direction.ravel(), self.currently_yellow.ravel()]
        ).astype(np.float32)

    def _switch_mask(self, rl_actions: Any) -> list[bool]:
        if self.discrete:
            bits = [int(x) for x in f"{int(np.asarray(rl_actions).reshape(-1)[0]):b}"]
            return [False] * (self.num_traffic_lights - len(bits)) + [bool(b) for b in bits]
        return list(np.asarray(rl_actions).reshape(-1) > 0.0)

    def _apply_rl_actions(self, rl_actions: Any) -> None:
        for i, switch in enumerate(self._switch_mask(rl_actions)):
            self._light_action(i, switch)

    def _light_action(self, i: int, switch: bool) -> None:
        """Flow's per-light logic: hold the yellow ``switch_time``, then show the other green."""
        node = f"center{i}"
        if self.currently_yellow[i] == 1:
            self.last_change[i] += self.sim_step
            if self.last_change[i] >= self.min_switch_time:
                self.k.traffic_light.set_state(node_id=node, state="GrGr" if self.direction[i] == 0 else "rGrG")
                self.currently_yellow[i] = 0
        elif switch:
            self.k.traffic_light.set_state(node_id=node, state="yryr" if self.direction[i] == 0 else "ryry")
            self.last_change[i] = 0.0
            self.direction[i] = not self.direction[i]
            self.currently_yellow[i] = 1

    def compute_reward(self, rl_actions: Any, **kwargs: Any) -> float:
        if rl_actions is None:
            return 0.0
        return -rewards.min_delay_unscaled(self) - rewards.boolean_action_penalty(
            np.asarray(self._switch_mask(rl_actions)), gain=1.0
        )

    # -- Flow's helpers -----------------------------------------------------------------------------
    def get_distance_to_intersection(self, veh_ids: Any) -> Any:
        if isinstance(veh_ids, list):
            return [self.find_intersection_dist(v) for v in veh_ids]
        return self.find_intersection_dist(veh_ids)

    def find_intersection_dist(self, veh_id: str) -> float:
        edge = self.k.vehicle.get_edge(veh_id)
        if edge == "":
            return -10.0
        if "center" in edge:
            return 0.0
        return self.k.network.edge_length(edge) - self.k.vehicle.get_position(veh_id)

    def _convert_edge(self, edges: Any) -> Any:
        if isinstance(edges, list):
            return [self._split_edge(e) for e in edges]
        return self._split_edge(edges)

    def _split_edge(self, edge: str) -> int:
        """Flow's edge number: outer and inner edges numbered row by row; junctions after them."""
        if not edge:
            return 0
        if edge.startswith(":"):
            base = (self.cols + 1) * self.rows * 2 + (self.rows + 1) * self.cols * 2
            digits = re.match(r":center(\d+)", edge)
            return base + (int(digits.group(1)) if digits else 0) + 1
        match = EDGE_NAME.match(edge)
        if not match:
            return 0
        kind, row, col = match.group(1), int(match.group(2)), int(match.group(3))
        rows_below = 2 * (self.cols + 1) * row
        if kind in ("bot", "top"):
            number = rows_below + 2 * (self.cols * (row + 1)) + 2 * col + 1
            return number if kind == "bot" else number + 1
        number = rows_below + 2 * (self.cols * row) + 2 * col + 1
        return number if kind == "left" else number + 1

    def _get_relative_node(self, agent_id: str, direction: str) -> int:
        n = int(agent_id.split("center")[1])
        if direction == "top":
            return n + self.cols if n + self.cols < self.num_traffic_lights else -1
        if direction == "bottom":
            return n - self.cols if n - self.cols >= 0 else -1
        if direction == "left":
            return -1 if n % self.cols == 0 else n - 1
        if direction == "right":
            return -1 if n % self.cols == self.cols - 1 else n + 1
        raise ConfigError(f"direction {direction!r}: use top, bottom, left or right.")

    def additional_command(self) -> None:
        for veh_id in self.k.vehicle.get_ids():
            self._reroute_if_final_edge(veh_id)

    def _reroute_if_final_edge(self, veh_id: str) -> None:
        """A vehicle on an exit edge starts again at the entry of its line (Flow's closed-loop grid)."""
        if getattr(self.net_params, "inflows", None) is not None and self.net_params.inflows.flows:
            return  # with inflows, vehicles leave and new ones come in
        edge = self.k.vehicle.get_edge(veh_id)
        match = EDGE_NAME.match(edge) if edge and not edge.startswith(":") else None
        if not match:
            return
        kind, row, col = match.group(1), int(match.group(2)), int(match.group(3))
        route = {
            ("bot", col == self.cols): f"bot{row}_0",
            ("top", col == 0): f"top{row}_{self.cols}",
            ("left", row == 0): f"left{self.rows}_{col}",
            ("right", row == self.rows): f"right0_{col}",
        }.get((kind, True))
        if route is None:
            return
        type_id, lane = self.k.vehicle.get_type(veh_id), self.k.vehicle.get_lane(veh_id)
        self.k.vehicle.remove(veh_id)
        self.k.vehicle.add(veh_id, type_id, route, lane, 0, "max")

    def get_closest_to_intersection(self, edges: Any, num_closest: int, padding: bool = False) -> list[str]:
        if num_closest <= 0:
            raise ConfigError(f"get_closest_to_intersection: num_closest={num_closest} must be positive.")
        if isinstance(edges, list):
            return [v for e in edges for v in self.get_closest_to_intersection(e, num_closest)]
        ordered = sorted(self.k.vehicle.get_ids_by_edge(edges), key=self.find_intersection_dist)
        return ordered[:num_closest] + ([""] * (num_closest - len(ordered)) if padding else [])


class TrafficLightGridPOEnv(TrafficLightGridEnv):
    """Flow's partly observed grid env: the ``num_observed`` vehicles nearest each light on each
    approach, every edge's density and mean speed, and each light's timer, direction and yellow flag."""

    def __init__(self, env_params: Any, sim_params: Any, network: Any, simulator: str = "traci") -> None:
        missing = [k for k in ADDITIONAL_PO_ENV_PARAMS if k not in env_params.additional_params]
        if missing:
            raise ConfigError(
                f"{type(self).__name__}: EnvParams.additional_params misses {missing[0]!r} "
                f"(Flow's defaults: {ADDITIONAL_PO_ENV_PARAMS})."
            )
        self.num_observed = int(env_params.additional_params.get("num_observed", 2))
        super().__init__(env_params, sim_params, network, simulator)

    @property
    def observation_space(self) -> Box:
        size = (
            3 * 4 * self.num_observed * self.num_traffic_lights
            + 2 * len(self.k.network.get_edge_list())
            + 3 * self.num_traffic_lights
        )
        return Box(low=0.0, high=3, shape=(size,), dtype=np.float32)

    def _approach_features(self, edges: list[str], max_speed: float, pad: float) -> tuple[list, list, list, list]:
        """Speed, distance to the light and edge number of the nearest vehicles on each approach (padded)."""
        speeds, dists, numbers, observed = [], [], [], []
        for edge in edges:
            ids = self.get_closest_to_intersection(edge, self.num_observed)
            observed += ids
            speeds += [self.k.vehicle.get_speed(v) / max_speed for v in ids] + [pad] * (self.num_observed - len(ids))
            dists += [
                (self.k.network.edge_length(self.k.vehicle.get_edge(v)) - self.k.vehicle.get_position(v))
                / self._max_dist()
                for v in ids
            ] + [pad] * (self.num_observed - len(ids))
            numbers += [self._convert_edge(self.k.vehicle.get_edge(v)) / (self.network.num_edges - 1) for v in ids] + [
                0.0
            ] * (self.num_observed - len(ids))
        return speeds, dists, numbers, observed

    def _edge_features(self, max_speed: float) -> tuple[np.ndarray, np.ndarray]:
        density, velocity = [], []
        for edge in self.k.network.get_edge_list():
            ids = self.k.vehicle.get_ids_by_edge(edge)
            density.append(VEHICLE_LENGTH * len(ids) / self.k.network.edge_length(edge) if ids else 0.0)
            velocity.append(float(np.mean([self.k.vehicle.get_speed(v) for v in ids])) / max_speed if ids else 0.0)
        return np.array(density), np.array(velocity)

    def get_state(self) -> np.ndarray:
        max_speed = max(self.k.network.speed_limit(e) for e in self.k.network.get_edge_list())
        speeds, dists, numbers, observed = [], [], [], []
        for _, edges in self.network.node_mapping:
            s, d, n, o = self._approach_features(edges, max_speed, 0.0)
            speeds += s
            dists += d
            numbers += n
            observed += o
        density, velocity = self._edge_features(max_speed)
        self.observed_ids = observed
        return np.concatenate(
            [
                speeds,
                dists,
                numbers,
                density,
                velocity,
                self.last_change.ravel(),
                self.direction.ravel(),
                self.currently_yellow.ravel(),
            ]
        ).astype(np.float32)

    def compute_reward(self, rl_actions: Any, **kwargs: Any) -> float:
        if self.env_params.evaluate:
            return -rewards.min_delay_unscaled(self)
        return -rewards.min_delay_unscaled(self) + rewards.penalize_standstill(self, gain=0.2)

    def additional_command(self) -> None:
        super().additional_command()
        for veh_id in self.observed_ids:
            self.k.vehicle.set_observed(veh_id)
