"""RLlib throughput benchmark: environment steps per second while training (sampling and learning,
wall clock per iteration), with a given number of env runners.

One environment step is one decision of all lights (a multi-agent step). The first iteration
(start-up of the env runners and SUMO) is left out. (RLlib's own timers are moving averages that
still carry that first iteration, so they are not used.) This is ``flowlights bench-rllib``.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

from flowlights.common.markdown import markdown_table
from flowlights.errors import ConfigError
from flowlights.training.experiment import load_experiment
from flowlights.training.train import TrainSettings, algorithm


@dataclass
class ThroughputResult:
    experiment: str
    env_runners: int
    iterations: int
    steps_per_iteration: float
    seconds_per_iteration: float
    overrides: str = ""

    @property
    def training_steps_per_s(self) -> float:
        return self.steps_per_iteration / self.seconds_per_iteration


def bench_rllib(
    experiment_path: Path | str,
    env_runners: int,
    iterations: int = 3,
    training: Optional[dict[str, Any]] = None,
    protocol: Optional[str] = None,
) -> ThroughputResult:
    """Train ``iterations`` + 1 PPO iterations of the experiment and time all but the first
    (``training``: settings that override the experiment's, e.g. ``{"minibatch_size": 1800}``)."""
    if iterations < 1:
        raise ConfigError(f"--iterations={iterations!r} must be >= 1 (one more runs first, untimed, to warm up).")
    experiment = load_experiment(experiment_path)
    experiment.set_protocol(protocol)
    experiment.training.update(training or {})
    steps, seconds = [], []
    with algorithm(experiment, TrainSettings(iterations=iterations, num_env_runners=env_runners)) as algo:
        for i in range(iterations + 1):
            start = time.perf_counter()
            result = algo.train()
            if i == 0:
                continue
            seconds.append(time.perf_counter() - start)
            steps.append(result["env_runners"]["num_env_steps_sampled"])
    return ThroughputResult(
        experiment.exp_tag,
        env_runners,
        iterations,
        statistics.median(steps),
        statistics.median(seconds),
        ", ".join(f"{k}={v}" for k, v in (training or {}).items()),
    )


def format_results(results: list[ThroughputResult]) -> str:
    header = [
        "experiment",
        "env runners",
        "overrides",
        "env steps / iteration",
        "s / iteration",
        "env steps/s (training)",
    ]
    rows = [
        [
            r.experiment,
            r.env_runners,
            r.overrides or "-",
            f"{r.steps_per_iteration:.0f}",
            f"{r.seconds_per_iteration:.1f}",
            f"{r.training_steps_per_s:.0f}",
        ]
        for r in results
    ]
    return markdown_table(header, rows)
