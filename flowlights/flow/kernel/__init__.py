"""Flow's kernel (``env.k``) over libsumo or TraCI: ``k.vehicle``, ``k.traffic_light``, ``k.network``,
``k.simulation`` with Flow's method names, for Flow env classes and your own (see docs/migrating-from-flow.md)."""

from flowlights.flow.kernel.kernel import Kernel
from flowlights.flow.kernel.network import NetworkKernel
from flowlights.flow.kernel.traffic_light import TrafficLightKernel
from flowlights.flow.kernel.vehicle import VehicleKernel, VehicleSpec

__all__ = ["Kernel", "NetworkKernel", "TrafficLightKernel", "VehicleKernel", "VehicleSpec"]
