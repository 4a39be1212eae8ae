"""The benchmarks measure what they say: real episodes of flowlights, plain sumo and sumo-rl side by side,
SUMO's share of the time, peak memory, and RLlib's env steps. (Figures are not asserted: benchmarks print them.)"""

from __future__ import annotations

import subprocess
import sys

import pytest

from flowlights.benchmarks.scale import bench_size
from flowlights.benchmarks.speed import bench_scenario, format_results
from flowlights.benchmarks.sumo_rl_reference import sumo_rl_python, time_sumo_rl_episode
from flowlights.networks.network_file import resolve_scenario
from flowlights.params import EnvParams


def test_speed_bench_times_env_and_plain_sumo_alternately():
    result = bench_scenario("single", repeats=2, progress=False, scenario="single", end=600)
    assert result.decisions == 600 / 5 and result.lights == 1 and result.span == 600
    assert 0 < result.env_reset < result.env_wall and 0 < result.env_sumo_step < result.env_wall
    assert result.plain_wall > 0 and result.overhead_ms > 0
    assert result.ratio == pytest.approx(result.plain_wall / result.env_wall)
    assert result.sumo_rl_wall is None
    table = format_results([result]).splitlines()
    assert table[0].startswith("| scenario |") and table[2].startswith("| single | libsumo | 1 |")


def test_bench_command_prints_both_backends():
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "flowlights.cli",
            "bench",
            "single",
            "--end",
            "300",
            "--repeats",
            "1",
            "--backend",
            "libsumo",
            "traci",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    rows = [line for line in done.stdout.splitlines() if line.startswith("| single |")]
    assert [row.split("|")[2].strip() for row in rows] == ["libsumo", "traci"]


def test_sumo_rl_reference_runs_in_its_own_venv(tmp_path):
    """sumo-rl is installed into a throwaway venv (never into flowlights' own) and runs the same episode."""
    python = sumo_rl_python(tmp_path / "venv")
    assert python.is_relative_to(tmp_path)
    assert subprocess.run([sys.executable, "-c", "import sumo_rl"], capture_output=True).returncode != 0
    scenario = resolve_scenario(scenario="grid2x2")
    wall, decisions = time_sumo_rl_episode(python, scenario, 0, 300, EnvParams(all_red=0), time_to_teleport=300, seed=0)
    assert decisions == 300 / 5 and wall > 0


def test_scale_bench_runs_a_generated_grid_in_a_fresh_process(tmp_path, monkeypatch):
    monkeypatch.setenv("FLOWLIGHTS_CACHE", str(tmp_path))
    result = bench_size(2, vehs_per_hour=200, end=300)
    assert result.timing.lights == 4 and result.timing.decisions == 300 / 5
    assert result.vehicles_arrived > 0 and result.plain_wall > 0
    assert 50 < result.peak_mib < 2048  # Python, numpy and libsumo's SUMO together, in MiB
    assert result.overhead_us_per_light > 0
    assert list(tmp_path.glob("bench/grid2x2-*/grid2x2-*.sumocfg"))
