"""Flow's kernel (``env.k``) over libsumo or TraCI: ``k.vehicle``, ``k.traffic_light``, ``k.network``,
``k.simulation`` with Flow's method names, for Flow env classes and your own (see docs/migrating-from-flow.md)."""

from flowlights.sim.kernel.kernel import Kernel
from flowlights.sim.kernel.network import NetworkKernel
from flowlights.sim.kernel.traffic_light import TrafficLightKernel
from flowlights.sim.kernel.vehicle import VehicleKernel, VehicleSpec

__all__ = ["Kernel", "NetworkKernel", "TrafficLightKernel", "VehicleKernel", "VehicleSpec"]
