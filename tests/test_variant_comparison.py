"""Training comparisons: finished runs are found again (same seed and budget, evaluated), curves are read at
equal env steps, and the held-out table averages each training seed's mean."""

from __future__ import annotations

import json
from pathlib import Path

from flowlights.evaluation.variant_comparison import curves_table, delay_at, finished_run, held_out_table


def _run(root: Path, name: str, seed: int, minutes: float, delays: list[float], evaluated: bool = True) -> Path:
    run = root / name
    run.mkdir(parents=True)
    (run / "params.json").write_text(json.dumps({"train_settings": {"seed": seed, "minutes": minutes}}))
    rows = ["iteration,env_steps,wall_seconds,mean_delay"] + [
        f"{i + 1},{(i + 1) * 100000},{(i + 1) * 60},{d}" for i, d in enumerate(delays)
    ]
    (run / "progress.csv").write_text("\n".join(rows) + "\n")
    if evaluated:
        (run / "evaluation").mkdir()
        episodes = [{"resco_delay": 10.0 * (seed + 1) + k, "mean_delay": 5.0 * (seed + 1)} for k in (0, 2)]
        (run / "evaluation" / "metrics.json").write_text(json.dumps({"episodes": episodes}))
    return run


def test_finished_run_needs_the_same_seed_budget_and_an_evaluation(tmp_path: Path) -> None:
    done = _run(tmp_path, "tag_20260101-000000", seed=1, minutes=12.0, delays=[50.0, 40.0])
    _run(tmp_path, "tag_20260102-000000", seed=1, minutes=12.0, delays=[50.0], evaluated=False)
    _run(tmp_path, "tag_20260103-000000", seed=2, minutes=12.0, delays=[50.0])
    assert finished_run(tmp_path, "tag", 1, 12.0) == done
    assert finished_run(tmp_path, "tag", 1, 20.0) is None
    assert finished_run(tmp_path, "other", 1, 12.0) is None


def test_curves_interpolate_between_iterations_and_stop_at_the_run_end(tmp_path: Path) -> None:
    run = _run(tmp_path, "a", seed=0, minutes=1.0, delays=[60.0, 40.0, 30.0])
    assert delay_at(run, 150_000) == 50.0 and delay_at(run, 300_000) == 30.0
    assert delay_at(run, 350_000) is None
    other = _run(tmp_path, "b", seed=1, minutes=1.0, delays=[80.0, 20.0])
    row = curves_table({"v": [(0, run), (1, other)]}, steps=(100_000, 200_000, 300_000)).splitlines()[-1]
    assert row == "| v | 70.00 ± 10.00 | 30.00 ± 10.00 | – |"


def test_held_out_table_averages_each_training_seed(tmp_path: Path) -> None:
    runs = {"v": [(0, _run(tmp_path, "a", 0, 1.0, [1.0])), (1, _run(tmp_path, "b", 1, 1.0, [1.0]))]}
    lines = held_out_table(runs).splitlines()
    assert "| v | 0 | 1.0 min, 100,000 steps | 11.00 ± 1.00 | 5.00 ± 0.00 |" in lines
    assert lines[-1] == "| **v** | mean over 2 | | **16.00 ± 5.00** | **7.50 ± 2.50** |"
