"""Networks and demand: generated grids, spiders and random networks, any SUMO network file,
flows and random trips; Flow's networks described in Python (Network, RingNetwork, MultiRingNetwork,
TrafficLightGridNetwork)."""

from flowlights.networks import cbengine_network as _cbengine  # noqa: F401  (registers the cbengine: scenarios)
from flowlights.networks.demand import InFlows, RandomTrips
from flowlights.networks.flow_network import Network
from flowlights.networks.generated import RandomNetwork, SpiderNetwork
from flowlights.networks.grid import ArterialNetwork, GridNetwork
from flowlights.networks.network_file import NetworkFile, bundled_scenarios, resolve_scenario
from flowlights.networks.ring import MultiRingNetwork, RingNetwork
from flowlights.networks.traffic_light_grid import TrafficLightGridNetwork

__all__ = [
    "ArterialNetwork",
    "GridNetwork",
    "InFlows",
    "MultiRingNetwork",
    "Network",
    "NetworkFile",
    "RandomNetwork",
    "RandomTrips",
    "RingNetwork",
    "SpiderNetwork",
    "TrafficLightGridNetwork",
    "bundled_scenarios",
    "resolve_scenario",
]
