"""Classical controllers behind one interface: fixed (program and Webster), SUMO actuated and
delay-based, max-pressure, SOTL and random."""

from flowlights.baselines import actuated, greedy, max_pressure, simple, sotl, webster  # noqa: F401  (registration)
from flowlights.baselines.base import CONTROLLERS, Controller, make_controller, register_controller

__all__ = ["CONTROLLERS", "Controller", "make_controller", "register_controller"]
