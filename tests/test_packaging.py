"""A built wheel carries the bundled scenarios and example experiments: installed into a fresh venv,
it evaluates a bundled scenario and finds a bundled config by name, from outside the checkout."""

from __future__ import annotations

import subprocess
import sys
import zipfile

import pytest

from conftest import REPO


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out), str(REPO)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return next(out.glob("flowlights-*.whl"))


def test_wheel_holds_scenarios_and_configs(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    assert "flowlights/bundled/networks/grid2x2/grid2x2.sumocfg" in names
    assert "flowlights/bundled/exp_configs/grid2x2_shared.py" in names
    assert not any(".cache" in n or "__pycache__" in n for n in names)


def test_wheel_installed_in_a_fresh_venv_runs_from_outside_the_checkout(wheel, tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    python = venv / "bin" / "python"
    done = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", str(wheel)], capture_output=True, text=True, timeout=900
    )
    assert done.returncode == 0, done.stderr[-3000:]
    work = tmp_path / "elsewhere"
    work.mkdir()
    done = subprocess.run(
        [
            str(venv / "bin" / "flowlights"),
            "evaluate",
            "--scenario",
            "grid2x2",
            "--controller",
            "max_pressure",
            "--end",
            "300",
            "--out",
            "ev",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=work,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert (work / "ev" / "metrics.json").is_file() and "mean_delay" in done.stdout
    probe = (
        "from flowlights.training.experiment import load_experiment; print(load_experiment('grid2x2_shared').source)"
    )
    done = subprocess.run([str(python), "-c", probe], capture_output=True, text=True, timeout=300, cwd=work)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "site-packages/flowlights/bundled/exp_configs/grid2x2_shared.py" in done.stdout
