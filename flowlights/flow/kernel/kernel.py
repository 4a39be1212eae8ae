"""Kernel: the four parts of Flow's ``env.k`` over one SumoSimulation."""

from __future__ import annotations

from typing import Any

from flowlights.flow.kernel.network import NetworkKernel
from flowlights.flow.kernel.traffic_light import TrafficLightKernel
from flowlights.flow.kernel.vehicle import VehicleKernel
from flowlights.sim.simulation import SumoSimulation


class SimulationKernel:
    """Flow's ``k.simulation``: one step at a time, collisions (teleports) and the time."""

    def __init__(self, sim: SumoSimulation, step_length: float) -> None:
        self.sim = sim
        self.sim_step = step_length

    def simulation_step(self) -> None:
        self.sim.step(1)

    def check_collision(self) -> bool:
        """Flow's crash test: a vehicle collided or was teleported (SUMO removes stuck ones)."""
        api = self.sim.api
        return api.simulation.getStartingTeleportNumber() > 0 or api.simulation.getCollidingVehiclesNumber() > 0

    @property
    def time(self) -> float:
        return self.sim.time


class Kernel:
    """``k.vehicle``, ``k.traffic_light``, ``k.network``, ``k.simulation`` and ``k.kernel_api`` (libsumo or TraCI)."""

    def __init__(
        self, sim: SumoSimulation, network: NetworkKernel, vehicle: VehicleKernel, traffic_light: TrafficLightKernel
    ) -> None:
        self.simulation = SimulationKernel(sim, sim.params.step_length)
        self.network = network
        self.vehicle = vehicle
        self.traffic_light = traffic_light
        self._sim = sim

    @property
    def kernel_api(self) -> Any:
        return self._sim.api

    def pass_api(self) -> None:
        """A new SUMO run: every part reads from it from now on."""
        self.vehicle.pass_api(self._sim.api)
        self.traffic_light.pass_api(self._sim.api)

    def update(self, reset: bool = False) -> None:
        """After a simulation step: refresh the vehicles and keep raw light states safe."""
        self.vehicle.update(reset)
        self.traffic_light.update(reset)
