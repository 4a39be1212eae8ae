"""Seeing it: a headless sumo-gui video, rgb_array frames, plots, and no Xvfb or SUMO left."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

import flowlights
from conftest import sumo_children
from needs import need_module

needs_xvfb = pytest.mark.usefixtures("xvfb_installed")


def xvfb_processes() -> list[str]:
    out = subprocess.run(["pgrep", "-a", "Xvfb"], capture_output=True, text=True).stdout
    return out.splitlines()


def flowlights_cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "flowlights.cli", *args], capture_output=True, text=True, timeout=600, env=env
    )


@needs_xvfb
def test_headless_replay_writes_a_video(tmp_path):
    before = xvfb_processes()
    environ = {k: v for k, v in os.environ.items() if k != "DISPLAY"}
    video = tmp_path / "replay.mp4"
    done = flowlights_cli(
        "visualize",
        "--scenario",
        "grid2x2",
        "--controller",
        "max_pressure",
        "--seconds",
        "60",
        "--video",
        str(video),
        "--frame-every",
        "1",
        "--speed",
        "10",
        env=environ,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    import imageio.v2 as imageio

    reader = imageio.get_reader(video)
    frames = [np.asarray(f, dtype=float) for f in reader]
    assert len(frames) == 60, "one frame per simulated second"
    assert frames[0].shape == (600, 800, 3)
    assert reader.get_meta_data()["fps"] == pytest.approx(10.0)
    assert min(f.std() for f in frames) > 10, "frames are not blank"
    assert np.abs(frames[5] - frames[55]).mean() > 0.1, "frames change over time"
    assert xvfb_processes() == before and sumo_children() == []


@needs_xvfb
def test_replay_of_a_gif_with_sparser_frames(tmp_path):
    environ = {k: v for k, v in os.environ.items() if k != "DISPLAY"}
    gif = tmp_path / "replay.gif"
    done = flowlights_cli(
        "visualize",
        "--scenario",
        "single",
        "--controller",
        "actuated",
        "--seconds",
        "40",
        "--video",
        str(gif),
        "--frame-every",
        "5",
        env=environ,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    import imageio.v2 as imageio

    assert len(imageio.mimread(gif)) == 8


def test_missing_display_without_xvfb_says_what_to_install(tmp_path):
    python_dir = os.path.dirname(sys.executable)
    environ = {k: v for k, v in os.environ.items() if k != "DISPLAY"}
    environ["PATH"] = python_dir  # no Xvfb on this PATH
    done = flowlights_cli(
        "visualize", "--scenario", "grid2x2", "--seconds", "10", "--video", str(tmp_path / "x.mp4"), env=environ
    )
    assert done.returncode == 2
    assert "Xvfb is not installed" in done.stderr and "apt-get install xvfb" in done.stderr
    done = flowlights_cli("visualize", "--scenario", "grid2x2", "--seconds", "10", env=environ)
    assert done.returncode == 2 and "live replay needs a display" in done.stderr


def signal_pixels(frame: np.ndarray) -> tuple[int, int]:
    """Counts of pure signal-green and signal-red pixels."""
    r, g, b = (frame[..., i].astype(int) for i in range(3))
    green = int(((g > 120) & (r < 40) & (b < 40)).sum())
    red = int(((r > 200) & (g < 30) & (b < 30)).sum())
    return green, red


def test_rgb_array_frames_show_the_lights_changing():
    env = flowlights.parallel_env(scenario="grid2x2", end=200, render_mode="rgb_array", min_green=5)
    try:
        env.reset(seed=0)
        counts, frames = [], []
        for k in range(12):
            env.step({a: (k // 2) % 2 for a in env.agents})
            frame = env.render()
            assert frame.shape == (640, 640, 3) and frame.dtype == np.uint8
            frames.append(frame)
            counts.append(signal_pixels(frame))
    finally:
        env.close()
    assert len({c for c in counts}) > 1, f"signal colours never changed: {counts}"
    assert all(g > 0 and r > 0 for g, r in counts)
    assert np.abs(frames[0].astype(int) - frames[-1].astype(int)).sum() > 0


def test_gymnasium_recording_wrapper_works(tmp_path):
    need_module("imageio", "viz")
    from gymnasium.wrappers import RecordVideo

    env = RecordVideo(
        flowlights.gym_env(scenario="single", end=100, render_mode="rgb_array"),
        str(tmp_path),
        episode_trigger=lambda e: True,
        disable_logger=True,
    )
    env.reset(seed=0)
    done = False
    while not done:
        _, _, term, trunc, _ = env.step(env.action_space.sample())
        done = term or trunc
    env.close()
    videos = list(tmp_path.glob("*.mp4"))
    assert len(videos) == 1 and videos[0].stat().st_size > 1000


def test_plot_writes_heatmaps_and_learning_curves(tmp_path):
    out = tmp_path / "ev"
    done = flowlights_cli(
        "evaluate", "--scenario", "grid2x2", "--controller", "fixed", "--end", "300", "--out", str(out)
    )
    assert done.returncode == 0, done.stderr[-2000:]
    done = flowlights_cli("plot", str(out))
    assert done.returncode == 0, done.stderr[-2000:]
    heatmap = out / "heatmap_seed0.png"
    assert heatmap.read_bytes()[:4] == b"\x89PNG" and heatmap.stat().st_size > 5000
    lines = (out / "sumo" / "timeseries_seed0.csv").read_text().splitlines()
    assert lines[0] == "time,light,queue,delay_rate" and len(lines) == 1 + 60 * 4
    done = flowlights_cli("plot", str(tmp_path / "nothing"))
    assert done.returncode == 2 and "nothing to plot" in done.stderr


def test_movie_from_a_recorded_episode_without_sumo_or_display(tmp_path, monkeypatch):
    """evaluate --record writes vehicles, light states and decisions; 'flowlights movie' renders them at any frame
    rate with no SUMO and no display: frames follow the clock, are not frozen, and show the lights' colours."""
    import json
    import subprocess
    import sys

    import imageio.v3 as iio

    monkeypatch.delenv("DISPLAY", raising=False)
    run = tmp_path / "run"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "flowlights.cli",
            "evaluate",
            "--scenario",
            "grid2x2",
            "--controller",
            "max_pressure",
            "--end",
            "120",
            "--out",
            str(run),
            "--record",
        ],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    meta = json.loads((run / "sumo" / "record_seed0.json").read_text())
    decisions = (run / "sumo" / meta["decisions"]).read_text().splitlines()
    assert decisions[0] == "time,light,action" and len(decisions) - 1 == 4 * (120 // 5)
    out = tmp_path / "movie.mp4"
    made = subprocess.run(
        [sys.executable, "-m", "flowlights.cli", "movie", str(run), "--fps", "8", "--speed", "4", "--out", str(out)],
        capture_output=True,
        text=True,
        env={k: v for k, v in __import__("os").environ.items() if k != "DISPLAY"},
    )
    assert made.returncode == 0, made.stderr[-2000:]
    frames = iio.imread(out)
    assert abs(len(frames) - (120 - 0) * 8 / 4) <= 2, len(frames)
    changes = [np.abs(frames[k + 1].astype(int) - frames[k].astype(int)).mean() for k in range(len(frames) - 1)]
    assert min(changes[10:]) > 0, "a frozen frame (vehicles interpolate between samples, the clock runs)"
    red = ((frames[..., 0] > 180) & (frames[..., 1] < 60) & (frames[..., 2] < 60)).any(axis=(1, 2))
    green = ((frames[..., 1] > 150) & (frames[..., 0] < 60) & (frames[..., 2] < 60)).any(axis=(1, 2))
    assert red.all() and green.mean() > 0.8, "the frames show the lights' red and (outside transitions) green signals"
    (tmp_path / "empty").mkdir()
    missing = subprocess.run(
        [sys.executable, "-m", "flowlights.cli", "movie", str(tmp_path / "empty")], capture_output=True, text=True
    )
    assert missing.returncode == 2 and "evaluate ... --record --out RUN_DIR" in missing.stderr
