"""Every example runs: the quick ones end to end, the trainings' demos as far as their options (their runs take
minutes of training; the benchmarks and results pages run them in full)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import REPO

EXAMPLES = REPO / "examples"


def run(*args: str, timeout: int = 600) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, timeout=timeout, cwd=REPO)


def test_every_example_is_listed_and_tested():
    listed = (EXAMPLES / "README.md").read_text()
    names = sorted(p.name for p in EXAMPLES.glob("*.py"))
    assert names and all(f"`{name}`" in listed for name in names), names
    assert set(names) <= set(QUICK) | set(TRAINING)


QUICK = {
    "random_lights.py": ["--end", "120"],
    "compare_controllers.py": ["--episodes", "1", "--end", "300", "--controllers", "fixed", "max_pressure"],
    "event_decisions.py": ["--scenario", "grid2x2", "--episodes", "1"],
}
TRAINING = ["learning_demo.py", "masking_demo.py", "sb3_demo.py", "flow_ring_demo.py"]


@pytest.mark.parametrize("name", sorted(QUICK))
def test_quick_examples_run_end_to_end(name):
    done = run(str(EXAMPLES / name), *QUICK[name])
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip(), "it printed its result"


@pytest.mark.parametrize("name", TRAINING)
def test_training_demos_start(name):
    done = run(str(EXAMPLES / name), "--help")
    assert done.returncode == 0 and "usage:" in done.stdout, done.stderr[-3000:]
