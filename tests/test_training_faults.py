"""Faults during training: a killed env runner is re-created and the run goes on; Ctrl-C writes a
final checkpoint, leaves no Ray or SUMO process, and --resume continues from it."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from needs import need_module

need_module("ray.rllib", "rllib")

from conftest import TINY, flowlights, pids_whose_cmdline, ray_processes, sumo_children  # noqa: E402


def progress_rows(runs: Path) -> list[dict]:
    found = list(runs.glob("*/progress.csv"))
    if not found:
        return []
    with open(found[0], newline="") as fh:
        return list(csv.DictReader(fh))


def env_runner_pids() -> list[int]:
    return pids_whose_cmdline(lambda cmdline: cmdline.startswith("ray::") and "EnvRunner" in cmdline)


def start_training(tmp_path: Path, *args: str) -> subprocess.Popen:
    cfg = tmp_path / "faults.yaml"
    cfg.write_text(TINY.replace("POLICIES", "shared"))
    # SIGINT back to its default in the child: under a background job (`nohup ... &`, some CI runners) it is
    # inherited as ignored, and Python then installs no KeyboardInterrupt handler — Ctrl-C would do nothing.
    return subprocess.Popen(
        [sys.executable, "-m", "flowlights.cli", "train", str(cfg), "--out", str(tmp_path / "runs"), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )


def wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.time() + timeout
    while not condition():
        if time.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.5)


def test_killed_env_runner_is_recreated_and_training_goes_on(tmp_path):
    before = set(ray_processes())
    proc = start_training(tmp_path, "--iterations", "8", "--num-env-runners", "1")
    try:
        wait_for(lambda: len(progress_rows(tmp_path / "runs")) >= 2 or proc.poll() is not None, 240, "two iterations")
        runners = env_runner_pids()
        assert runners, "an env runner process is running"
        for pid in runners:
            os.kill(pid, signal.SIGKILL)  # libsumo: SUMO dies with its env runner
        out, err = proc.communicate(timeout=300)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 0, err[-3000:]
    rows = progress_rows(tmp_path / "runs")
    assert rows[-1]["iteration"] == "8", "the run reached its budget"
    assert int(rows[-1]["env_runner_restarts"]) >= 1, "the progress shows the re-created env runner"
    assert "env runners restarted" in err
    wait_for(lambda: set(ray_processes()) <= before and not sumo_children(), 30, "Ray and SUMO to be gone")


def test_ctrl_c_saves_a_checkpoint_and_resume_continues(tmp_path):
    before = set(ray_processes())
    proc = start_training(tmp_path, "--iterations", "1000", "--num-env-runners", "1", "--checkpoint-freq", "0")
    try:
        wait_for(lambda: len(progress_rows(tmp_path / "runs")) >= 2 or proc.poll() is not None, 240, "two iterations")
        os.killpg(proc.pid, signal.SIGINT)  # what a terminal sends on Ctrl-C: the whole process group
        try:
            out, err = proc.communicate(timeout=180)
        except subprocess.TimeoutExpired:  # say where it is stuck: the CLI dumps its threads' stacks on SIGUSR1
            os.kill(proc.pid, signal.SIGUSR1)
            time.sleep(2)
            os.killpg(proc.pid, signal.SIGKILL)
            out, err = proc.communicate()
            pytest.fail(f"training did not stop within 180 s of Ctrl-C; its stderr ends:\n{err[-6000:]}")
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 130, err[-3000:]
    run_dir = next((tmp_path / "runs").iterdir())
    last = int(progress_rows(tmp_path / "runs")[-1]["iteration"])
    checkpoint = run_dir / "checkpoints" / f"iter_{last:06d}"
    assert (checkpoint / "learner_group").is_dir(), f"no final checkpoint: {err[-2000:]}"
    assert f"continue with --resume {run_dir}" in err
    wait_for(lambda: set(ray_processes()) <= before and not sumo_children(), 30, "Ray and SUMO to be gone")

    done = flowlights("train", "--resume", str(run_dir), "--iterations", "1", "--num-env-runners", "0")
    assert done.returncode == 0, done.stderr[-3000:]
    assert int(progress_rows(tmp_path / "runs")[-1]["iteration"]) == last + 1, "resumed after the saved iteration"
