"""Run whole episodes of the environment with a simple policy and report SUMO's metrics.

This is ``flowlights run``: the quickest way to see a scenario work end to end.
"""
from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any, Callable, Optional

import numpy as np

from flowlights.envs.factory import make_env
from flowlights.envs.multi_env import MultiEnv
from flowlights.errors import ConfigError
from flowlights.progress import Progress

Policy = Callable[[MultiEnv, dict], dict]


def random_policy(env: MultiEnv, obs: dict) -> dict:
    return {a: env.action_space(a).sample() for a in env.agents}


def keep_policy(env: MultiEnv, obs: dict) -> dict:
    """Always ask for action 0 (the first green, or 'keep'): max green still cycles the lights."""
    return {a: 0 for a in env.agents}


POLICIES: dict[str, Policy] = {"random": random_policy, "keep": keep_policy}


def run_episodes(policy: str = "random", episodes: int = 1, seed: int = 0, progress: bool = True,
                 out: Optional[Path] = None, **env_kwargs: Any) -> list[dict[str, float]]:
    """Run ``episodes`` episodes (seeds seed, seed+1, ...) and return each one's metrics."""
    if policy not in POLICIES:
        raise ConfigError(f"unknown policy {policy!r}; use one of {', '.join(POLICIES)}.")
    if episodes < 1:
        raise ConfigError(f"episodes={episodes!r} must be >= 1.")
    env = make_env(**env_kwargs)
    act = POLICIES[policy]
    results = []
    try:
        for episode in range(episodes):
            obs, _ = env.reset(seed=seed + episode)
            for i, agent in enumerate(env.possible_agents):
                env.action_space(agent).seed(seed + episode * 1000 + i)
            started, span = time.perf_counter(), env.sim.end - env.sim.begin
            with Progress(span, f"episode {episode + 1}/{episodes}") as bar:
                total = 0.0
                while env.agents:
                    obs, rewards, *_ = env.step(act(env, obs))
                    total += float(np.sum(list(rewards.values()))) if rewards else 0.0
                    if progress:
                        bar.update(env.sim_seconds, f"return {total:.1f}")
            metrics = env.metrics()
            metrics.update(episode=episode, seed=seed + episode, wall_seconds=round(time.perf_counter() - started, 3),
                           total_reward=round(total, 3))
            results.append(metrics)
    finally:
        env.close()
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        (out / "metrics.json").write_text(json.dumps({"policy": policy, "settings": env_kwargs, "episodes": results}, indent=2, default=str))
    return results


def format_table(results: list[dict[str, float]]) -> str:
    keys = ["episode", "seed", "mean_travel_time", "mean_delay", "mean_waiting_time", "arrived", "in_network", "teleports", "wall_seconds"]
    rows = [keys] + [[f"{r[k]:.2f}" if isinstance(r[k], float) else str(r[k]) for k in keys] for r in results]
    widths = [max(len(row[i]) for row in rows) for i in range(len(keys))]
    return "\n".join("  ".join(cell.rjust(w) for cell, w in zip(row, widths)) for row in rows)
