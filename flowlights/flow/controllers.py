"""Flow's controllers (``flow.controllers``) for ``VehicleParams.add(acceleration_controller=...,
routing_controller=..., lane_change_controller=...)``.

Two homes, one meaning each, as in Flow:
- In flowlights' own TrafficLightEnv (vehicles from a scenario's demand) every vehicle is driven
  by SUMO: ``IDMController`` sets SUMO's IDM model with Flow's parameters, the ``Sim*`` controllers
  are SUMO's models, routers leave routing to the scenario's routes.
- In Flow's env classes (``flowlights.flow.envs.multiagent.MultiEnv`` and ``flowlights.envs.Env``
  subclasses: rings, Flow's grids, your own) they run in Python every simulation step, as Flow
  did: ``IDMController.get_accel`` (with its Gaussian ``noise``) gives the acceleration SUMO
  applies; ``RLController`` vehicles take the agents' accelerations; ``ContinuousRouter`` gives a
  vehicle on the last edge of its route the next route from there (the ring goes on for ever).
A controller of your own subclasses ``BaseController`` and defines ``get_accel(env)``.
"""

from __future__ import annotations

import math
from typing import Any, Optional


class BaseController:
    """An acceleration controller of one vehicle: ``get_action(env)`` = ``get_accel(env)`` plus noise.

    Like Flow's, it leaves the vehicle to SUMO (returns None) while it is inside a junction."""

    def __init__(
        self,
        veh_id: str,
        car_following_params: Any = None,
        delay: float = 0.0,
        fail_safe: Any = None,
        noise: float = 0.0,
        display_warnings: bool = True,
    ) -> None:
        self.veh_id = veh_id
        self.car_following_params = car_following_params
        self.delay = delay
        self.fail_safe = fail_safe
        self.accel_noise = noise

    def get_accel(self, env: Any) -> Optional[float]:  # pragma: no cover - abstract
        raise NotImplementedError

    def get_action(self, env: Any) -> Optional[float]:
        edge = env.k.vehicle.get_edge(self.veh_id)
        if not edge or edge.startswith(":"):
            return None
        accel = self.get_accel(env)
        if accel is None:
            return None
        if self.accel_noise > 0:  # Flow's noise: sqrt(dt) * N(0, noise)
            accel += math.sqrt(env.sim_step) * float(env.np_random.normal(0.0, self.accel_noise))
        return accel


class IDMController(BaseController):
    """The Intelligent Driver Model with Flow's parameters (v0, T, a, b, delta, s0) and ``noise``."""

    defaults = {"v0": 30, "T": 1, "a": 1, "b": 1.5, "delta": 4, "s0": 2, "noise": 0}

    def __init__(
        self,
        veh_id: str,
        v0: float = 30,
        T: float = 1,
        a: float = 1,
        b: float = 1.5,
        delta: float = 4,  # noqa: N803
        s0: float = 2,
        time_delay: float = 0.0,
        noise: float = 0,
        fail_safe: Any = None,
        display_warnings: bool = True,
        car_following_params: Any = None,
    ) -> None:
        super().__init__(veh_id, car_following_params, delay=time_delay, fail_safe=fail_safe, noise=noise)
        self.v0, self.T, self.a, self.b, self.delta, self.s0 = v0, T, a, b, delta, s0

    def get_accel(self, env: Any) -> float:
        v = env.k.vehicle.get_speed(self.veh_id)
        lead = env.k.vehicle.get_leader(self.veh_id)
        h = max(env.k.vehicle.get_headway(self.veh_id), 1e-3)
        if not lead:
            s_star = 0.0
        else:
            lead_v = env.k.vehicle.get_speed(lead)
            s_star = self.s0 + max(0.0, v * self.T + v * (v - lead_v) / (2 * math.sqrt(self.a * self.b)))
        return self.a * (1 - (v / self.v0) ** self.delta - (s_star / h) ** 2)


class SimCarFollowingController(BaseController):
    """SUMO's own car-following model (the vType's ``car_follow_model``)."""

    def get_accel(self, env: Any) -> None:
        return None


class RLController(BaseController):
    """A vehicle driven by the agents: its acceleration comes from the actions (``apply_acceleration``)."""

    def get_accel(self, env: Any) -> None:
        return None


class SimLaneChangeController:
    """SUMO's own lane-change model."""

    def __init__(self, veh_id: str, lane_change_params: Any = None) -> None:
        self.veh_id = veh_id

    def get_action(self, env: Any) -> None:
        return None


class BaseRouter:
    """A routing controller: ``choose_route(env)`` returns a new list of edges, or None to keep the route."""

    def __init__(self, veh_id: str, router_params: Optional[dict] = None) -> None:
        self.veh_id = veh_id
        self.router_params = dict(router_params or {})

    def choose_route(self, env: Any) -> Optional[list[str]]:  # pragma: no cover - abstract
        raise NotImplementedError


class ContinuousRouter(BaseRouter):
    """On the last edge of its route, a vehicle takes one of the network's routes from that edge
    (drawn by the routes' probabilities): rings go on for ever. In TrafficLightEnv: the scenario's routes."""

    def choose_route(self, env: Any) -> Optional[list[str]]:
        vehicle = env.k.vehicle
        edge, route = vehicle.get_edge(self.veh_id), vehicle.get_route(self.veh_id)
        if not route or edge != route[-1] or edge not in env.available_routes:
            return None
        options = env.available_routes[edge]
        if len(options) == 1:
            return list(options[0][0])
        weights = [p for _, p in options]
        return list(options[int(env.np_random.choice(len(options), p=[w / sum(weights) for w in weights]))][0])


class GridRouter(BaseRouter):
    """Routes come from the network (generated grids: straight through, as Flow's GridRouter)."""

    def choose_route(self, env: Any) -> None:
        return None


class MinicityRouter(GridRouter):
    """Routes come from the scenario."""
