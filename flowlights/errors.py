"""Exceptions flowlights raises; each message names the bad value and how to fix it."""


class FlowlightsError(Exception):
    """Base class of flowlights' own errors."""


class ConfigError(FlowlightsError, ValueError):
    """A parameter, file or scenario given by the user cannot be used."""


class SimulationError(FlowlightsError, RuntimeError):
    """SUMO failed or stopped while running; the next ``reset()`` starts a fresh one."""


class ScenarioRejected(ConfigError, SimulationError):
    """SUMO would not start the scenario: a file it names is broken (truncated XML, an unknown edge...). Both a
    ConfigError (the input is at fault) and a SimulationError (SUMO said so)."""
