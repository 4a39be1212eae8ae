"""Every benchmark, one command: ``flowlights benchmark NAME [its options]`` (``flowlights benchmark --list``).

Benchmarks measure speed, memory and learning and write generated results pages; tests check behaviour.
Each entry names the function that takes the benchmark's own command-line options.
"""

from __future__ import annotations

import importlib
import sys
from typing import Callable, Optional, Sequence

from flowlights.errors import ConfigError

# name -> (module:function taking argv, what it measures)
BENCHMARKS: dict[str, tuple[str, str]] = {
    "performance": (
        "flowlights.benchmarks.performance:main",
        "speed, scale and RLlib throughput (docs/performance.md)",
    ),
    "speed": ("flowlights.cli:bench_speed", "simulated seconds per wall second beside plain sumo"),
    "scale": ("flowlights.cli:bench_scale", "generated NxN grids: overhead per light and decision, peak memory"),
    "rllib": ("flowlights.cli:bench_rllib", "environment steps per second inside RLlib training"),
    "recipe": (
        "flowlights.benchmarks.recipe:main",
        "the training recipe per scenario and seed (docs/results/recipe.md)",
    ),
    "resco": ("flowlights.benchmarks.resco:main", "RESCO's scenarios: classical controllers and expert set-ups"),
    "resco-baselines": ("flowlights.benchmarks.resco_baselines:main", "classical controllers under RESCO's protocol"),
    "coordination": ("flowlights.benchmarks.coordination:cli", "coupled and clustered lights on a corridor"),
    "deploy": ("flowlights.benchmarks.deploy:cli", "lights as services: latency, throughput, wall time per bus"),
    "deploy-soak": (
        "flowlights.benchmarks.deploy_soak:main",
        "a deployment for an hour under faults (docs/results/soak.md)",
    ),
    "soak": ("flowlights.benchmarks.soak:main", "episodes and training iterations back to back: no leaks"),
    "cbengine": ("flowlights.benchmarks.cbengine:main", "KDD Cup 2021 agents on the CBEngine world"),
    "throughput-ab": ("flowlights.benchmarks.throughput_ab:main", "RLlib env steps per second, two settings"),
    "profile": ("flowlights.benchmarks.profile:main", "where a random-action episode's time goes (cProfile)"),
    "sumo-version": ("flowlights.benchmarks.sumo_version:main", "what the SUMO version changes in the delays"),
}


def entry(name: str) -> Callable[[Optional[Sequence[str]]], Optional[int]]:
    if name not in BENCHMARKS:
        raise ConfigError(
            f"benchmark {name!r} is unknown; use one of {', '.join(BENCHMARKS)} (flowlights benchmark --list)."
        )
    module, function = BENCHMARKS[name][0].split(":")
    return getattr(importlib.import_module(module), function)


def run(name: str, argv: Sequence[str]) -> int:
    """Run benchmark ``name`` with its own options ``argv``; its exit code."""
    function = entry(name)
    program, sys.argv[0] = sys.argv[0], f"flowlights benchmark {name}"  # what its --help and errors call it
    try:
        return int(function(list(argv)) or 0)
    finally:
        sys.argv[0] = program


def listing() -> str:
    width = max(len(n) for n in BENCHMARKS)
    return "\n".join(f"  {name:<{width}}  {summary}" for name, (_, summary) in BENCHMARKS.items())
