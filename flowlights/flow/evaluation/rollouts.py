"""Flow's visualizer rollouts: a trained policy (or none) in a Flow env class, with Flow's summary figures.

Per rollout: the return (summed over agents), the mean and std of every vehicle's speed over the
episode, human vehicles' speed std (what damps a ring's stop-and-go waves), and the outflow.
"""

from __future__ import annotations

import copy
import dataclasses
import statistics
from pathlib import Path
from typing import Any, Optional

import numpy as np

from flowlights.flow.training.classes import build_flow_env
from flowlights.viz.video import annotate, write_video


def run_rollouts(
    experiment: Any,
    policy: Any = None,
    num_rollouts: int = 1,
    seed: int = 100,
    horizon: Optional[int] = None,
    gui: bool = False,
    emission_dir: Optional[Path] = None,
    actions: Optional[Any] = None,
    video_dir: Optional[Path] = None,
) -> list[dict[str, float]]:
    """Run ``num_rollouts`` episodes (seeds ``seed``, ``seed+1``, ...); ``policy`` a FlowPolicy, else
    ``actions(obs) -> actions`` (e.g. zero accelerations: the RL vehicles then do nothing). With
    ``gui`` and ``video_dir``: sumo-gui's view after every env step, as ``video_dir/rollout_<k>.mp4``."""
    from flowlights.envs.rllib_env import FlowRLlibEnv  # optional: ray (rllib extra), which rllib_env imports

    flow_params = dict(experiment.flow_params)
    if horizon is not None:
        flow_params["env"] = dataclasses.replace(flow_params["env"], horizon=int(horizon))
    changes: dict[str, Any] = {"gui": True, "backend": "traci"} if gui else {}
    if emission_dir is not None:
        Path(emission_dir).mkdir(parents=True, exist_ok=True)
        changes["sumo_args"] = [
            *flow_params["sim"].sumo_args,
            "--emission-output",
            str(Path(emission_dir) / "emission.xml"),
        ]
    env = FlowRLlibEnv(build_flow_env(flow_params, **changes))
    if policy is not None:
        policy.bind(env)
    results = []
    try:
        for episode in range(num_rollouts):
            obs, _ = env.reset(seed=seed + episode)
            total, speeds, human_std, steps = 0.0, [], [], 0
            arrived_before = len(env.env.k.vehicle.num_arrived)
            shots: list[tuple[Path, str]] = []
            while True:
                chosen = policy.act(obs) if policy is not None else (actions(obs) if actions else {})
                obs, rewards, terms, truncs, _ = env.step(chosen)
                if gui and video_dir is not None:  # written by sumo-gui during the next simulation step
                    shots.append(_screenshot(env.env, Path(video_dir) / f"frames_{episode}", len(shots)))
                total += float(sum(rewards.values()))
                steps += 1
                vehicle = env.env.k.vehicle
                speeds += [s for s in vehicle.get_speed(vehicle.get_ids()) if s >= 0]
                humans = [s for s in vehicle.get_speed(vehicle.get_human_ids()) if s >= 0]
                if len(humans) > 1:
                    human_std.append(float(np.std(humans)))
                if terms.get("__all__") or truncs.get("__all__"):
                    break
            if shots:
                env.env.k.simulation.simulation_step()  # let sumo-gui write the last one
                _encode(
                    shots,
                    Path(video_dir) / f"rollout_{episode}.mp4",
                    fps=1.0 / (env.env.sims_per_step * env.env.sim_step),
                )
            arrived = sum(env.env.k.vehicle.num_arrived[arrived_before:])
            seconds = steps * env.env.sims_per_step * env.env.sim_step
            results.append(
                {
                    "seed": seed + episode,
                    "return": total,
                    "mean_speed": float(np.mean(speeds)) if speeds else 0.0,
                    "speed_std": float(np.std(speeds)) if speeds else 0.0,
                    "human_speed_std": float(np.mean(human_std)) if human_std else 0.0,
                    "outflow_veh_per_hour": 3600.0 * arrived / seconds if seconds else 0.0,
                    "env_steps": steps,
                }
            )
    finally:
        env.close()
    return results


def _screenshot(env: Any, folder: Path, index: int) -> tuple[Path, str]:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{index:06d}.png"
    env.k.kernel_api.gui.screenshot("View #0", str(path), 800, 600)
    return (
        path,
        f"t = {env.k.simulation.time:.1f} s   vehicles {env.k.vehicle.num_vehicles}   RL {env.k.vehicle.num_rl_vehicles}",
    )


def _encode(shots: list[tuple[Path, str]], out: Path, fps: float) -> Path:
    from PIL import Image  # optional: pillow (viz extra)

    frames = [annotate(np.asarray(Image.open(path).convert("RGB")), [label]) for path, label in shots if path.is_file()]
    return write_video(frames, out, fps=min(max(fps, 1.0), 30.0))


def format_rollouts(results: list[dict[str, float]]) -> str:
    """Flow's visualizer summary: each rollout's return, then mean and std of returns, speeds and outflows."""
    lines = [f"Round {i}, return: {r['return']:.2f} (seed {r['seed']})" for i, r in enumerate(results)]

    def both(key: str) -> str:
        values = [r[key] for r in results]
        return f"{statistics.fmean(values):.3f}, {statistics.pstdev(values):.3f}"

    lines += [
        "==== Summary of results ====",
        f"Return (mean, std): {both('return')}",
        f"Speed, m/s (mean, std over rollouts): {both('mean_speed')}",
        f"Human vehicles' speed std, m/s (mean, std): {both('human_speed_std')}",
        f"Outflow, veh/hour (mean, std): {both('outflow_veh_per_hour')}",
    ]
    return "\n".join(lines)


def all_human(experiment: Any) -> Any:
    """The same experiment with every RL vehicle driven like the first human type (Flow's baseline ring)."""
    veh = copy.deepcopy(experiment.flow_params["veh"])
    specs = veh.specs()
    human = next((s for s in specs if not s.is_rl), None)
    if human is None:
        raise ValueError("all_human: the experiment has no human vehicle type to copy.")
    for spec in specs:
        if spec.is_rl:
            veh.set_spec(dataclasses.replace(spec, acceleration_controller=human.acceleration_controller))
    other = copy.copy(experiment)
    other.flow_params = {**experiment.flow_params, "veh": veh}
    return other
