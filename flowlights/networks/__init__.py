"""Networks and demand: generated grids, spiders and random networks, any SUMO network file,
flows and random trips."""
from flowlights.networks.demand import InFlows, RandomTrips
from flowlights.networks.generated import RandomNetwork, SpiderNetwork
from flowlights.networks.grid import ArterialNetwork, GridNetwork
from flowlights.networks.network_file import NetworkFile, bundled_scenarios, resolve_scenario

__all__ = ["ArterialNetwork", "GridNetwork", "InFlows", "NetworkFile", "RandomNetwork", "RandomTrips",
           "SpiderNetwork", "bundled_scenarios", "resolve_scenario"]
