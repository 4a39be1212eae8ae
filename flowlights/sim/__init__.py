"""The SUMO connection: locating SUMO, starting it through libsumo or TraCI, stepping, closing."""

from flowlights.sim.simulation import SumoSimulation
from flowlights.sim.sumo_home import sumo_binary, sumo_home, sumo_tool

__all__ = ["SumoSimulation", "sumo_binary", "sumo_home", "sumo_tool"]
