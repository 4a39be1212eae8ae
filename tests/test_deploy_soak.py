"""The deployment soak's machinery on a short run: a deployment under kills, malformed messages and a stalled dashboard
client decides exactly as evaluate does, and every fault is counted (the hour-long soak is a benchmark:
docs/results/soak.md)."""

from __future__ import annotations

import math

from flowlights.benchmarks.deploy_soak import memory_growth, soak


def test_short_soak_counts_every_fault_and_equals_evaluate():
    result = soak("grid2x2", "ray", hours=0.1, kill_every=120.0, malformed_every=0.25)
    assert result["equal_to_evaluate"], result
    assert result["kills"] == 2 and result["restarts"] == 2
    assert result["malformed_sent"] > 0
    assert result["malformed_counted_by_simulation"] + result["malformed_counted_by_lights"] > 0
    assert result["decisions"] == 4 * 360 // 5


def test_memory_growth_compares_minute_ten_with_the_end():
    flat = [(t, 100.0) for t in range(0, 3600, 2)]
    assert memory_growth(flat) == 0.0
    growing = [(t, 100.0 + t / 100) for t in range(0, 3600, 2)]
    assert 0.25 < memory_growth(growing) < 0.35


def test_memory_growth_of_a_soak_shorter_than_ten_minutes_is_unknown():
    short = [(t, 100.0) for t in range(0, 300, 2)]
    assert math.isnan(memory_growth(short)) and math.isnan(memory_growth([]))
