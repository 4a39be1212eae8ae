"""Networks and demand: generated grids, any SUMO network file, flows and random trips."""
from flowlights.networks.demand import InFlows, RandomTrips
from flowlights.networks.grid import ArterialNetwork, GridNetwork
from flowlights.networks.network_file import NetworkFile, bundled_scenarios, resolve_scenario

__all__ = ["ArterialNetwork", "GridNetwork", "InFlows", "NetworkFile", "RandomTrips", "bundled_scenarios", "resolve_scenario"]
