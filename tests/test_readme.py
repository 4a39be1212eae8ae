"""The README stays true: its main-job command (quick variant) and the Python examples of it and of the docs run."""

from __future__ import annotations

import json
import re
import statistics
import subprocess
import sys

import pytest

from conftest import REPO
from flowlights.training.recipe import DUEL_LEVEL, TEACHERS, VERSION

README = (REPO / "README.md").read_text()


def test_main_job_is_the_recipe_and_ends_with_the_comparison(tmp_path):
    """The README's main job, quick variant (1.5 minutes, fewer seeds): ``flowlights train --scenario`` as a user
    runs it. The teacher is the best copyable controller on the validation seeds, the policy the best of the copy
    and the checkpoints on the same seeds, and comparison.json pairs it with every classical controller on the test
    seeds, which no choice used."""
    command = re.search(r'pip install -e "\.\[rllib\]" && (flowlights train [^\n`]*)', README).group(1)
    assert command.split() == ["flowlights", "train", "--scenario", "grid2x2", "--minutes", "10"]
    quick = [
        "train",
        "--scenario",
        "grid2x2",
        "--minutes",
        "1.5",
        "--validation-episodes",
        "3",
        "--confirmation-episodes",
        "5",
        "--test-episodes",
        "2",
        "--out",
        str(tmp_path),
    ]
    done = subprocess.run(
        [sys.executable, "-m", "flowlights.cli", *quick], capture_output=True, text=True, timeout=900, cwd=REPO
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "best classical" in done.stdout and "| trained |" in done.stdout
    assert "core_worker.cc" not in done.stderr, "Ray's start-up ERROR line, which is no error, reads as a failure"
    assert "logging.cc" not in done.stderr, "Ray's start-up log-level line reads as part of a failure"
    run = next((tmp_path / "recipe_flowlights_grid2x2").glob("recipe_flowlights_grid2x2_*"))
    comparison = json.loads((run / "comparison.json").read_text())
    selection = json.loads((run / "selection.json").read_text())
    assert comparison["test_seeds"] == [100, 101] and comparison["validation_seeds"] == [200, 201, 202]
    assert not set(comparison["test_seeds"]) & set(selection["seeds"])
    classical = comparison["recipe"]["validation"]["classical"]
    assert "actuated" in classical and "random" not in classical
    assert comparison["recipe"]["teacher"] == min((t for t in TEACHERS if t in classical), key=classical.__getitem__)
    assert comparison["recipe"]["version"] == VERSION
    # the copy observes what its teacher would choose: it agrees with it on (all but) every decision
    imitation = json.loads((run / "imitation.json").read_text())
    assert imitation["controller"] == comparison["recipe"]["teacher"]
    assert imitation["policies"]["shared"]["agreement"] >= 0.999, imitation["policies"]
    scores = selection["scores"]
    assert "iter_000000" in scores and len(scores) >= 2  # the copy and at least one PPO checkpoint
    # the best checkpoint, when better than the copy on the validation seeds, duels it on fresh seeds
    best = min((n for n in scores if n != "iter_000000"), key=scores.__getitem__)
    assert selection["candidate"] == (best if scores[best] < scores["iter_000000"] else None)
    if selection["candidate"] is None:
        assert selection["selected"] == "iter_000000" and "confirmation" not in selection
    else:
        fresh = selection["confirmation"]
        assert fresh["seeds"] == [203, 204, 205, 206, 207] and not set(fresh["seeds"]) & set(comparison["test_seeds"])
        duel = fresh["against_copy"]
        won = fresh["scores"][best] < fresh["scores"]["iter_000000"] and duel["p_value"] < DUEL_LEVEL
        assert duel["replaces_the_copy"] == won and selection["selected"] == (best if won else "iter_000000")
    assert comparison["confirmation_seeds"] == [203, 204, 205, 206, 207]
    assert set(comparison["controllers"]) == {"trained", *classical}
    trained = comparison["controllers"]["trained"]
    assert len(trained["resco_delay"]["episodes"]) == 2 and isinstance(trained["lockups"], int)
    best = comparison["best_classical"]
    diff = [
        t - c
        for t, c in zip(trained["resco_delay"]["episodes"], comparison["controllers"][best]["resco_delay"]["episodes"])
    ]
    assert comparison["paired_difference"]["mean"] == pytest.approx(statistics.fmean(diff))
    assert (run / "validation_curve.png").is_file()
    # the classical controllers' validation runs are kept for the next training seed
    assert (tmp_path / "recipe_flowlights_grid2x2" / "classical_validation" / "actuated" / "metrics.json").is_file()
    # the evaluate command it prints runs the chosen policy
    evaluate = re.search(r"evaluate it: flowlights (evaluate --checkpoint \S+)", done.stdout).group(1).split()
    done = subprocess.run(
        [sys.executable, "-m", "flowlights.cli", *evaluate, "--seed", "100"],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=REPO,
    )
    assert done.returncode == 0 and "resco_delay" in done.stdout, done.stderr[-3000:]
    # made again from the run's own record, the test comparison is the same, episode by episode
    results = tmp_path / "recipe.json"
    again = [*("-m", "flowlights.benchmarks.recipe", "--add", str(run), "--retest"), "--results", str(results)]
    done = subprocess.run(
        [sys.executable, *again, "--page", str(tmp_path / "recipe.md")], capture_output=True, text=True, cwd=REPO
    )
    assert done.returncode == 0, done.stderr[-3000:]
    retested = json.loads((run / "comparison.json").read_text())
    assert retested["retested"] and retested["controllers"] == comparison["controllers"]
    assert json.loads(results.read_text())["flowlights/grid2x2"]["per_seed"]["0"]["retested"] == retested["retested"]


def test_test_command_is_what_ci_runs():
    command = re.search(r'pip install -e "\.\[test,rllib,viz\]" && python -m pytest', README)
    assert command, "README's test command changed: update .ci/run too"
    assert 'pip install -q -e ".[test,rllib,viz]"' in (REPO / ".ci" / "run").read_text()


def test_python_examples_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FLOWLIGHTS_CACHE", str(tmp_path / "cache"))
    from flowlights.features.observations import OBSERVATIONS
    from flowlights.features.rewards import REWARDS

    pages = [README] + [
        (REPO / "docs" / f"{name}.md").read_text() for name in ("environment", "networks", "training", "visualization")
    ]
    blocks = list(dict.fromkeys(b for page in pages for b in re.findall(r"```python\n(.*?)```", page, re.S)))
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
