"""Evaluation: run any controller for episodes, compute metrics from SUMO's outputs, compare runs."""
from flowlights.evaluation.evaluate import evaluate
from flowlights.evaluation.episode import run_controller_episode

__all__ = ["evaluate", "run_controller_episode"]
