"""Replay a controller (baseline or trained policy) in sumo-gui, live or into a video file.

Live: sumo-gui on the user's display, ``delay`` ms per step. Video: under a virtual display
when none is set, a screenshot every ``frame_every`` simulated seconds, annotated with the time
and each light's phase, encoded at ``speed`` times real time.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import Any, Optional

import numpy as np

from flowlights.baselines.base import Controller, controller_env_kwargs
from flowlights.common.progress import Progress
from flowlights.envs.factory import make_env
from flowlights.errors import ConfigError
from flowlights.viz.display import display
from flowlights.viz.video import annotate, write_video


def phase_lines(env: Any, per_line: int = 4) -> list[str]:
    """'A0: green 1', 'B0: yellow -> green 0', ... (green phase indices), a few lights per line."""
    parts = []
    for tls, m in env.controller.machines.items():
        parts.append(f"{tls}: green {m.green}" if not m.in_transition else f"{tls}: {m.stage} -> green {m.target}")
    return ["  ".join(parts[i : i + per_line]) for i in range(0, len(parts), per_line)]


def replay(
    controller: Controller,
    seconds: Optional[float] = None,
    delay_ms: float = 0.0,
    video: Optional[Path] = None,
    frame_every: float = 1.0,
    speed: float = 10.0,
    size: tuple[int, int] = (800, 600),
    seed: int = 0,
    progress: bool = True,
    **env_kwargs: Any,
) -> Optional[Path]:
    """Run one episode of ``controller`` in sumo-gui (TraCI); write ``video`` if given."""
    if video is None and not os.environ.get("DISPLAY"):
        raise ConfigError("live replay needs a display ($DISPLAY is empty); run on a desktop or add --video out.mp4.")
    if frame_every <= 0 or speed <= 0:
        raise ConfigError(f"--frame-every={frame_every!r} and --speed={speed!r} must be > 0.")
    sumo_args = list(env_kwargs.pop("sumo_args", [])) + [
        "--delay",
        f"{delay_ms:g}",
        "--window-size",
        f"{size[0]},{size[1]}",
    ]
    kwargs = {**controller_env_kwargs(controller, env_kwargs), "backend": "traci", "gui": True, "sumo_args": sumo_args}
    with display(size) if video else contextlib.nullcontext(), tempfile.TemporaryDirectory() as tmp:
        env = make_env(**kwargs)  # building it starts nothing: it tells the window's start
        if seconds is not None:
            env = make_env(**{**kwargs, "end": env.sim.begin + seconds})
        shots: list[tuple[Path, list[str]]] = []

        def capture(e: Any) -> None:
            path = Path(tmp) / f"frame_{len(shots):06d}.png"
            e.sim.api.gui.screenshot("View #0", str(path), size[0], size[1])
            shots.append((path, [f"t = {e.sim.time:.0f} s   {controller.name}", *phase_lines(e)]))

        try:
            obs, _ = env.reset(seed=seed)
            env.sim.api.gui.setSchema("View #0", "real world")
            controller.reset(env)
            if video:
                env.add_step_hook(frame_every, capture)
            with Progress(env.sim.end - env.sim.begin, "replay") as bar:
                while env.agents:
                    obs, *_ = env.step(controller.act(env, obs))
                    if progress:
                        bar.update(env.sim_seconds)
            if video:
                env.sim.step()  # sumo-gui writes a screenshot on the step after it was asked for
        finally:
            env.close()
        if not video:
            return None
        from PIL import Image  # optional: pillow (viz extra)

        frames = [
            annotate(np.asarray(Image.open(path).convert("RGB")), lines) for path, lines in shots if path.is_file()
        ]
        return write_video(frames, Path(video), fps=speed / frame_every)
