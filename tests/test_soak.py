"""A short soak: episodes back to back leak no memory, files, threads or SUMO processes (scripts/soak.py
runs the long version)."""

from __future__ import annotations

import flowlights
from flowlights.benchmarks.soak_rounds import env_round, process_stats, soak


def test_process_stats_see_a_child_and_a_file(tmp_path):
    import subprocess

    before = process_stats()
    handle = open(tmp_path / "f", "w")
    child = subprocess.Popen(["sleep", "5"])
    try:
        during = process_stats()
        assert during.open_files == before.open_files + 1 and during.children == before.children + 1
    finally:
        child.kill()
        child.wait()
        handle.close()


def test_short_soak_leaks_nothing():
    for backend in ("libsumo", "traci"):
        env = flowlights.parallel_env(scenario="grid2x2", end=300, backend=backend)
        try:
            result = soak(f"env {backend}", 15, env_round(env), progress=False)
        finally:
            env.close()
        assert result.leaks == [], f"{backend}: {result.leaks} ({result})"
