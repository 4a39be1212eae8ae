"""The README stays true: its main-job command (quick variant) and its Python examples run."""
from __future__ import annotations

import json
import re
import subprocess
import sys

from conftest import REPO

README = (REPO / "README.md").read_text()


def test_main_job_command_quick_variant(tmp_path):
    command = re.search(r"pip install -e \. && (flowlights evaluate [^\n`]*)", README).group(1)
    assert command == "flowlights evaluate --scenario grid4x4 --controller max_pressure"
    args = command.split()[1:] + ["--end", "300", "--out", str(tmp_path)]
    done = subprocess.run([sys.executable, "-m", "flowlights.cli", *args], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "mean_travel_time" in done.stdout and "100%" in done.stderr
    report = json.loads((tmp_path / "metrics.json").read_text())
    assert report["controller"] == "max_pressure" and report["settings"]["end"] == 300
    assert report["episodes"][0]["throughput"] > 50


def test_test_command_is_what_ci_runs():
    command = re.search(r'pip install -e "\.\[test,rllib\]" && python -m pytest', README)
    assert command, "README's test command changed: update .ci/run too"
    assert 'pip install -e ".[test,rllib]"' in (REPO / ".ci" / "run").read_text()


def test_python_examples_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FLOWLIGHTS_CACHE", str(tmp_path / "cache"))
    from flowlights.observations import OBSERVATIONS
    from flowlights.rewards import REWARDS

    blocks = re.findall(r"```python\n(.*?)```", README, re.S)
    assert len(blocks) == 3
    namespace: dict = {}
    try:
        for block in blocks:
            exec(compile(block, "README.md", "exec"), namespace)
    finally:
        OBSERVATIONS.pop("green_seconds", None)
        REWARDS.pop("vehicles", None)
    assert (tmp_path / "my.rou.xml").is_file() and (tmp_path / "trips.rou.xml").is_file()
    assert namespace["env"].metrics()["sim_time"] == 600
