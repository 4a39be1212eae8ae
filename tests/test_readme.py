"""The README stays true: its main-job command (quick variant) and its Python examples run."""

from __future__ import annotations

import json
import re
import subprocess
import sys

from conftest import REPO

README = (REPO / "README.md").read_text()


def test_main_job_command_quick_variant(tmp_path):
    train_cmd, eval_cmd = re.search(
        r'pip install -e "\.\[rllib\]" && (flowlights train [^&]*)&& (flowlights evaluate [^\n`]*)', README
    ).groups()
    assert train_cmd.split() == [
        "flowlights",
        "train",
        "exp_configs/grid2x2_shared.py",
        "--minutes",
        "10",
        "--out",
        "results",
    ]
    assert eval_cmd.startswith("flowlights evaluate --checkpoint")
    quick = [
        "train",
        "exp_configs/grid2x2_shared.py",
        "--iterations",
        "1",
        "--out",
        str(tmp_path),
    ]  # 1 iteration, not 10 min
    done = subprocess.run(
        [sys.executable, "-m", "flowlights.cli", *quick], capture_output=True, text=True, timeout=600, cwd=REPO
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "100%" in done.stderr and "return" in done.stderr
    run_dir = next(tmp_path.glob("grid2x2_shared_*"))
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "flowlights.cli",
            "evaluate",
            "--checkpoint",
            str(run_dir),
            "--out",
            str(tmp_path / "ev"),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=REPO,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "mean_delay" in done.stdout
    report = json.loads((tmp_path / "ev" / "metrics.json").read_text())
    assert report["controller"].startswith("trained:grid2x2_shared") and report["settings"]["end"] == 1800


def test_test_command_is_what_ci_runs():
    command = re.search(r'pip install -e "\.\[test,rllib,viz\]" && python -m pytest', README)
    assert command, "README's test command changed: update .ci/run too"
    assert 'pip install -q -e ".[test,rllib,viz]"' in (REPO / ".ci" / "run").read_text()


def test_python_examples_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FLOWLIGHTS_CACHE", str(tmp_path / "cache"))
    from flowlights.observations import OBSERVATIONS
    from flowlights.rewards import REWARDS

    blocks = re.findall(r"```python\n(.*?)```", README, re.S)
    assert len(blocks) == 5
    namespace: dict = {}
    try:
        for k, block in enumerate(blocks):
            block = block.replace('"exp_configs/', f'"{REPO}/exp_configs/')
            exec(compile(block, "README.md", "exec"), namespace)
            if k == 0:
                first_metrics = namespace["env"].metrics()
    finally:
        OBSERVATIONS.pop("green_seconds", None)
        REWARDS.pop("vehicles", None)
    assert (tmp_path / "my.rou.xml").is_file() and (tmp_path / "trips.rou.xml").is_file()
    assert first_metrics["sim_time"] == 600
    assert namespace["frame"].shape == (640, 640, 3)
    assert namespace["env_name"] == "TrafficLightEnv-grid2x2_shared-v0" and callable(namespace["create_env"])
