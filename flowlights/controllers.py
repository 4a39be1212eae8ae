"""Flow's controller names (``flow.controllers``), for ``VehicleParams.add(acceleration_controller=...,
routing_controller=...)`` in Flow-style configs. Here a vehicle is driven by SUMO's own models:
``SimCarFollowingController`` and ``SimLaneChangeController`` are SUMO's models as configured,
``IDMController`` sets SUMO's IDM car-following model with Flow's IDM parameters, and the routers
leave routing to the scenario's routes. (Flow's Python-side controllers that drive vehicles step by
step — ``RLController`` agents, IDM's noise — are part of the ring-road work, issue 10.)"""
from __future__ import annotations


class SimCarFollowingController:
    """SUMO's own car-following model (the vType's ``car_follow_model``)."""


class IDMController:
    """Flow's IDM: SUMO's IDM model with v0, T, a, b, delta, s0 (Flow's keyword names)."""

    defaults = {"v0": 30, "T": 1, "a": 1, "b": 1.5, "delta": 4, "s0": 2, "noise": 0}


class SimLaneChangeController:
    """SUMO's own lane-change model."""


class GridRouter:
    """Routes come from the scenario (for generated grids: straight through, as Flow's GridRouter)."""


class ContinuousRouter(GridRouter):
    """Routes come from the scenario."""


class MinicityRouter(GridRouter):
    """Routes come from the scenario."""
