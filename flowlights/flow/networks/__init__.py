"""Flow's networks described in Python (``flow.networks``): the ``Network`` base, ring roads and the
traffic-light grid, built into SUMO files by netconvert. Also exported by ``flowlights.networks``."""

from flowlights.flow.networks.network import Network
from flowlights.flow.networks.ring import MultiRingNetwork, RingNetwork
from flowlights.flow.networks.traffic_light_grid import TrafficLightGridNetwork

__all__ = ["MultiRingNetwork", "Network", "RingNetwork", "TrafficLightGridNetwork"]
