"""``flowlights evaluate`` and ``flowlights compare`` as a user runs them."""

from __future__ import annotations

import csv
import json

import pytest

from conftest import flowlights, resco_cfg
from flowlights.evaluation.parallel import Job, run_jobs


def test_evaluate_writes_metrics_and_compare_draws_a_chart(tmp_path):
    folders = []
    for controller in ("fixed", "max_pressure"):
        out = tmp_path / controller
        done = flowlights(
            "evaluate",
            "--scenario",
            "grid2x2",
            "--controller",
            controller,
            "--episodes",
            "2",
            "--seed",
            "4",
            "--end",
            "600",
            "--out",
            str(out),
        )
        assert done.returncode == 0, done.stderr
        assert "mean_delay" in done.stdout
        assert done.stderr.count("\n") <= 2, f"a sub-second episode prints no progress bar: {done.stderr!r}"
        report = json.loads((out / "metrics.json").read_text())
        assert report["controller"] == controller and report["settings"]["seed"] == 4
        assert [e["seed"] for e in report["episodes"]] == [4, 5]
        delays = [e["mean_delay"] for e in report["episodes"]]
        assert report["summary"]["mean_delay"]["mean"] == pytest.approx(sum(delays) / 2)
        with open(out / "episodes.csv") as fh:
            rows = list(csv.DictReader(fh))
        assert len(rows) == 2 and float(rows[1]["mean_delay"]) == pytest.approx(delays[1])
        folders.append(str(out))
    chart = tmp_path / "cmp.png"
    done = flowlights("compare", *folders, "--out", str(chart))
    assert done.returncode == 0, done.stderr
    assert "fixed @ grid2x2" in done.stdout and "max_pressure @ grid2x2" in done.stdout
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and chart.stat().st_size > 10_000


@pytest.mark.parametrize(
    "args, message",
    [
        (
            ["--controller", "smart"],
            "unknown controller 'smart'; use --checkpoint PATH or one of: actuated, delay_based, fixed, greedy, greedy_clear, greedy_gap, greedy_spillback, max_pressure, max_pressure_gap, program, random, sotl, webster",
        ),
        (["--scenario", "nowhere/x.sumocfg"], "sumocfg 'nowhere/x.sumocfg' does not exist"),
        (["--scenario", "EMPTY"], "holds 0 .sumocfg files; it needs exactly one"),
    ],
)
def test_evaluate_bad_input(tmp_path, args, message):
    args = [str(tmp_path) if a == "EMPTY" else a for a in args]
    done = flowlights("evaluate", *args, "--end", "60")
    assert done.returncode == 2
    assert message in done.stderr


def test_compare_needs_evaluation_folders(tmp_path):
    done = flowlights("compare", str(tmp_path))
    assert done.returncode == 2 and "holds no metrics.json" in done.stderr


def _delays(folder) -> list[float]:
    return [e["resco_delay"] for e in json.loads((folder / "metrics.json").read_text())["episodes"]]


def test_an_episode_depends_on_its_seed_alone(tmp_path):
    """libsumo carries state from one simulation to the next in a process (on cologne1, whose trips SUMO routes
    itself): each episode of a multi-episode evaluation, from the CLI or from the recipe's workers, must give what
    that seed gives alone in a fresh process."""
    resco_cfg("cologne1")
    common = ["evaluate", "--scenario", "resco:cologne1", "--protocol", "resco", "--controller", "greedy"]
    for name, args in {
        "four": ["--episodes", "4", "--seed", "200"],
        "alone": ["--episodes", "1", "--seed", "203"],
    }.items():
        done = flowlights(*common, *args, "--out", str(tmp_path / name))
        assert done.returncode == 0, done.stderr
    alone = _delays(tmp_path / "alone")[0]
    assert _delays(tmp_path / "four")[3] == alone, "the 4th episode of one evaluation differs from its seed alone"
    job = Job("greedy", controller="greedy", scenario="resco:cologne1", env_kwargs={"protocol": "resco"})
    worker = run_jobs([job], [200, 201, 202, 203], workers=1)["greedy"]
    assert [e["resco_delay"] for e in worker["episodes"]] == _delays(tmp_path / "four")


def test_a_job_past_its_deadline_is_left_out_and_the_others_run():
    """``Job(deadline=...)``: its episodes not begun by then are skipped and the job is left out of the reports
    (logged), while a job without a deadline runs all its episodes — how the recipe keeps its validation within the
    budget while the copy is always evaluated."""
    import time

    lines = []
    jobs = [
        Job("kept", controller="greedy", scenario="grid2x2", env_kwargs={"end": 120}),
        Job("late", controller="max_pressure", scenario="grid2x2", env_kwargs={"end": 120}, deadline=time.time() - 1),
    ]
    reports = run_jobs(jobs, [1, 2], workers=2, log=lines.append)
    assert list(reports) == ["kept"] and len(reports["kept"]["episodes"]) == 2
    assert any("late: left out" in line for line in lines), lines
