"""Safe signal control: green phases from SUMO programs, derived transitions, timing rules."""

from flowlights.signals.controller import SignalController
from flowlights.signals.machine import PhaseMachine
from flowlights.signals.timing import Timing

__all__ = ["PhaseMachine", "SignalController", "Timing"]
