"""Regularflow's API on flowlights: a Regularflow user's light scripts run with only their import changed
(``from flowlights.regularflow import newAgent, startDemo, startAgent``); ``flowlights regularflow`` is
their managers, the SUMO simulation."""

from flowlights.regularflow.agent import Agent, newAgent, startAgent, startDemo

__all__ = ["Agent", "newAgent", "startAgent", "startDemo"]
