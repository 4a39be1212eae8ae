"""Networks and demand: generated grids, spiders and random networks, any SUMO network file,
flows and random trips; Flow's networks described in Python (Network, RingNetwork, MultiRingNetwork,
TrafficLightGridNetwork), which live in ``flowlights.flow.networks`` and are exported here too."""

import importlib
from typing import Any

from flowlights.networks import cbengine_network as _cbengine  # noqa: F401  (registers the cbengine: scenarios)
from flowlights.networks.demand import InFlows, RandomTrips
from flowlights.networks.generated import RandomNetwork, SpiderNetwork
from flowlights.networks.grid import ArterialNetwork, GridNetwork
from flowlights.networks.network_file import NetworkFile, bundled_scenarios, resolve_scenario

# Flow's networks build on params.experiment, which reads this package's demand: loaded when first named
FLOW_NETWORKS = ("MultiRingNetwork", "Network", "RingNetwork", "TrafficLightGridNetwork")


def __getattr__(name: str) -> Any:
    if name in FLOW_NETWORKS:
        return getattr(importlib.import_module("flowlights.flow.networks"), name)
    raise AttributeError(f"module 'flowlights.networks' has no attribute {name!r}")


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
