"""Evaluation: run any controller for episodes, compute metrics from SUMO's outputs, compare runs."""

from flowlights.evaluation.episode import run_controller_episode
from flowlights.evaluation.evaluate import evaluate

__all__ = ["evaluate", "run_controller_episode"]
