"""The RESCO benchmark's tables say 'beats it' exactly when the trained mean is lower than the baseline's."""

from __future__ import annotations

import pytest

from flowlights.benchmarks.resco_cells import (
    SCENARIO_SETUPS,
    TRAINING_SETUP,
    as_json,
    baselines_for,
    changed_setup,
    check_setups,
    learned_table,
    learned_vs_ours_table,
    load_results,
    run_benchmark,
    same_training,
    save_entry,
    save_results,
    setup_for,
    trained_summary,
    with_seed,
)
from flowlights.errors import ConfigError


def _cell(mean: float) -> dict:
    return {"resco_delay": {"mean": mean, "std": 0.5}}


def _trained(mean: float) -> dict:
    return {
        **_cell(mean),
        "algorithm": "PPO",
        "policies": "shared",
        "training_seeds": [0, 1, 2],
        "training_minutes": [30.0, 30.0, 30.0],
        "env_steps": [1000, 1000, 1000],
    }


def test_learned_vs_ours_marks_each_baseline_beaten_or_not() -> None:
    results = {
        "grid4x4": {
            "trained": _trained(20.0),
            "max_pressure": _cell(25.0),
            "actuated": _cell(19.0),
            "greedy": _cell(21.0),
            "max_pressure_gap": _cell(23.0),
            "program": _cell(40.0),
            "fixed": _cell(50.0),
        },
        "cologne1": {"max_pressure": _cell(25.0)},
    }
    rows = {
        line.split("|")[1].strip(): [c.strip() for c in line.split("|")[2:-1]]
        for line in learned_vs_ours_table(results, "flowlights").splitlines()
        if line.startswith("| ") and "---" not in line
    }
    grid = rows["grid4x4"]
    assert grid[0] == "20.00 ± 0.50" and grid[1].startswith("PPO shared, 3 seed(s), 30 min")
    assert grid[2:6] == ["25.00 ± 0.50", "yes", "19.00 ± 0.50", "no"]
    assert grid[6:] == [
        "21.00 ± 0.50",
        "23.00 ± 0.50",
        "40.00 ± 0.50",
        "50.00 ± 0.50",
    ]  # greedy, max_pressure_gap, program, fixed
    assert rows["cologne1"][:6] == ["–", "–", "25.00 ± 0.50", "–", "–", "–"]  # not trained yet, actuated not run


def test_actuated_and_max_pressure_gap_run_only_outside_protocol_resco() -> None:
    assert "actuated" not in baselines_for("resco") and "max_pressure_gap" not in baselines_for("resco")
    assert "max_pressure_gap" in baselines_for("flowlights")
    assert "actuated" in baselines_for("flowlights") and "max_pressure" in baselines_for("flowlights")


def test_a_scenario_trains_with_its_own_setup_unless_one_is_given() -> None:
    assert (
        setup_for("ingolstadt21")["env"]["action_mode"]
        == "switch"
        == SCENARIO_SETUPS["ingolstadt21"]["env"]["action_mode"]
    )
    assert setup_for("grid4x4") is TRAINING_SETUP
    given = {**TRAINING_SETUP, "algorithm": "DQN"}
    assert setup_for("ingolstadt21", given) is given


def test_imitate_is_added_to_each_scenarios_own_setup_without_changing_it() -> None:
    warm = setup_for("ingolstadt21", imitate="greedy")
    assert warm["imitate"] == "greedy" and warm["env"] is SCENARIO_SETUPS["ingolstadt21"]["env"]
    assert "imitate" not in SCENARIO_SETUPS["ingolstadt21"] and "imitate" not in TRAINING_SETUP
    assert as_json(setup_for("grid4x4", imitate="greedy")) != as_json(
        setup_for("grid4x4")
    )  # so the seed is trained again


def test_imitate_fails_before_anything_runs_when_a_scenario_cannot_copy_the_controller(tmp_path) -> None:
    check_setups(["grid4x4", "cologne1"], "flowlights", imitate="greedy")  # green-choosing policies: fine
    with pytest.raises(ConfigError, match="ingolstadt21: .*action_mode='phase'.*'switch'"):
        run_benchmark(
            ["grid4x4", "ingolstadt21"], "flowlights", tmp_path / "r.json", tmp_path, minutes=1.0, imitate="greedy"
        )
    with pytest.raises(ConfigError, match="unknown controller 'nonesuch'"):
        check_setups(["grid4x4"], "resco", imitate="nonesuch")
    with pytest.raises(ConfigError, match="PPO only"):
        check_setups(["grid4x4"], "resco", imitate="greedy", setup={**TRAINING_SETUP, "algorithm": "DQN"})
    assert not (tmp_path / "r.json").exists()  # nothing ran, nothing written


def test_setup_changes_merge_over_each_scenarios_own_setup_and_name_what_they_change() -> None:
    held = {
        "env": {"reward": "zone_queue_held", "observation": TRAINING_SETUP["env"]["observation"] + ["held_back"]},
        "training": {"lr": 1e-4},
    }
    changed = setup_for("arterial4x4", changes=held)
    assert changed["env"]["reward"] == "zone_queue_held" and changed["env"]["pad_observations"] is True  # merged
    assert (
        changed["training"]["lr"] == 1e-4
        and changed["training"]["num_epochs"] == TRAINING_SETUP["training"]["num_epochs"]
    )
    assert TRAINING_SETUP["env"]["reward"] == "zone_queue" and TRAINING_SETUP["training"]["lr"] == 5e-4  # untouched
    assert (
        setup_for("ingolstadt21", changes={"training": {"lr": 1e-4}})["env"]["action_mode"] == "switch"
    )  # its own, changed
    assert as_json(changed) != as_json(setup_for("arterial4x4"))  # another set-up: the seed is trained again
    cell = {**_cell(20.0), "training_seed": 0, "training_minutes": 30.0, "env_steps": 1000}
    table = learned_vs_ours_table({"arterial4x4": {"trained": trained_summary([cell], changed)}}, "flowlights")
    assert "PPO shared, zone_queue_held reward, + held_back observed, lr 0.0001, 1 seed(s)" in table
    scaled = setup_for("arterial4x4", changes={"env": {"reward_scale": 0.01}, "training": {"vf_clip_param": 10000}})
    table = learned_vs_ours_table({"arterial4x4": {"trained": trained_summary([cell], scaled)}}, "flowlights")
    assert "PPO shared, reward_scale 0.01, vf_clip_param 10000, 1 seed(s)" in table
    assert "| PPO shared, 1 seed(s)" in learned_vs_ours_table(
        {"grid4x4": {"trained": trained_summary([cell], setup_for("grid4x4"))}}, "flowlights"
    )  # the common set-up: nothing more


def test_bad_setup_changes_fail_before_anything_runs_naming_the_scenario(tmp_path) -> None:
    with pytest.raises(ConfigError, match="unknown key\\(s\\) 'rewrd'; allowed: algorithm, policies, env, training"):
        changed_setup(TRAINING_SETUP, {"rewrd": "queue"})
    with pytest.raises(ConfigError, match="'env' must be a mapping"):
        changed_setup(TRAINING_SETUP, {"env": "zone_queue_held"})
    with pytest.raises(ConfigError, match="grid4x4: unknown reward 'nonesuch'; registered: "):
        run_benchmark(
            ["grid4x4", "arterial4x4"],
            "flowlights",
            tmp_path / "r.json",
            tmp_path,
            minutes=1.0,
            changes={"env": {"reward": "nonesuch"}},
        )
    with pytest.raises(ConfigError, match="grid4x4: .*unknown observation 'nonesuch'"):
        check_setups(["grid4x4"], "flowlights", changes={"env": {"observation": ["phase", "nonesuch"]}})
    assert not (tmp_path / "r.json").exists()


def test_setup_takes_long_inline_json_or_a_file_and_names_what_is_neither(tmp_path) -> None:
    """An inline --setup longer than a file name may be (255 bytes) is read as JSON, not looked up as a file."""
    import json
    import subprocess
    import sys
    from pathlib import Path

    script = Path(__file__).resolve().parents[1] / "scripts" / "resco_benchmark.py"
    changes = {
        "env": {
            "reward": "nonesuch",
            "reward_scale": 0.05,
            "detection_distance": 50.0,
            "observation": ["phase", "min_green", "zone_approach", "zone_queue", "held_back", "green_demand"],
        },
        "training": {"lr": 3e-05, "vf_clip_param": 10000},
    }
    inline = json.dumps(changes) + " " * 40
    assert len(inline) > 255
    (tmp_path / "setup.json").write_text(inline)
    base = [
        sys.executable,
        str(script),
        "--protocol",
        "flowlights",
        "--scenarios",
        "grid4x4",
        "--minutes",
        "1",
        "--json",
        str(tmp_path / "r.json"),
        "--doc",
        str(tmp_path / "results.md"),
        "--runs",
        str(tmp_path / "runs"),
    ]
    for given in (inline, str(tmp_path / "setup.json")):
        run = subprocess.run(base + ["--setup", given], capture_output=True, text=True, timeout=300)
        assert run.returncode == 2 and "grid4x4: unknown reward 'nonesuch'" in run.stderr, run.stderr[-2000:]
    run = subprocess.run(
        base + ["--setup", str(tmp_path / "missing.json")], capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 2 and "no such file, and not JSON" in run.stderr, run.stderr[-2000:]
    assert not (tmp_path / "r.json").exists()


def test_the_table_names_a_keep_switch_action_and_a_warm_start() -> None:
    cell = {**_cell(20.0), "training_seed": 0, "training_minutes": 30.0, "env_steps": 1000}
    switch = {**TRAINING_SETUP, "env": {**TRAINING_SETUP["env"], "action_mode": "switch", "change_cost": 2.0}}
    results = {
        "grid4x4": {"trained": trained_summary([cell], switch)},
        "cologne1": {"trained": trained_summary([cell], TRAINING_SETUP)},
        "cologne8": {"trained": trained_summary([cell], {**TRAINING_SETUP, "imitate": "greedy"})},
    }
    assert results["grid4x4"]["trained"]["action_mode"] == "switch"
    table = learned_vs_ours_table(results, "flowlights")
    assert "PPO shared, keep/switch, change cost 2, 1 seed(s)" in table and "| PPO shared, 1 seed(s)" in table
    assert "PPO shared, started as a copy of greedy, 1 seed(s)" in table
    copied = [{**cell, "training_seed": seed, "copy": _cell(value)} for seed, value in ((0, 80.0), (1, 90.0))]
    dagger = trained_summary(copied, {**TRAINING_SETUP, "imitate": "greedy", "imitate_rounds": 15})
    assert dagger["copy"]["mean"] == 85.0, "the copies' mean over training seeds, as the trained policies'"
    assert (
        "started as a copy of greedy refined by 15 DAgger rounds (the copy alone: 85.00), 2 seed(s)"
        in learned_vs_ours_table({"cologne8": {"trained": dagger}}, "flowlights")
    )
    assert "copy" not in trained_summary([copied[0], cell], {**TRAINING_SETUP, "imitate": "greedy"}), (
        "no mean over a part of the seeds"
    )


def test_a_checkpoint_chosen_on_validation_seeds_is_the_same_training_and_named_in_the_table() -> None:
    plain = setup_for("cologne8", imitate="greedy", imitate_rounds=15)
    chosen = setup_for("cologne8", imitate="greedy", imitate_rounds=15, select_episodes=3)
    assert chosen["select_episodes"] == 3 and "select_episodes" not in plain
    assert same_training(as_json(plain), chosen) and same_training(as_json(chosen), plain), (
        "no training again, either way"
    )
    assert not same_training(as_json(setup_for("cologne8", imitate="greedy")), chosen), (
        "other DAgger rounds: trained again"
    )
    cells = [
        {
            **_cell(mean),
            "training_seed": seed,
            "training_minutes": 30.0,
            "env_steps": 1000,
            "copy": _cell(90.0),
            "last_checkpoint": _cell(last),
            "checkpoint": {"selected": name, "seeds": [200, 201, 202], "scores": {}},
        }
        for seed, mean, last, name in ((0, 80.0, 120.0, "iter_000000"), (1, 100.0, 100.0, "iter_000076"))
    ]
    summary = trained_summary(cells, chosen)
    assert summary["resco_delay"]["mean"] == 90.0 and summary["selection"]["last_checkpoint"]["mean"] == 110.0
    assert (
        "(the copy alone: 90.00), checkpoint chosen on validation seeds 200..202: iter_000000, iter_000076 "
        "(the last one: 110.00)"
    ) in learned_table({"cologne8": {"trained": summary}}, "resco")
    assert "selection" not in trained_summary(cells, plain)
    with pytest.raises(ConfigError, match="validation episodes=-1 must be >= 1"):
        check_setups(["grid4x4"], "resco", select_episodes=-1)


def test_the_other_sumo_table_reads_that_sumos_cells_only() -> None:
    """Policies trained on our SUMO and evaluated on RESCO's: their own row, beside RESCO's published delays."""
    here = {"trained": _trained(150.0), "max_pressure": _cell(180.0), "greedy": _cell(170.0)}
    there = {"trained": _trained(100.0), "max_pressure": _cell(80.0), "greedy": _cell(60.0)}
    results = {"ingolstadt21": {**here, "sumo 1.9.1": there}, "grid4x4": {**here, "sumo 1.9.1": {"greedy": _cell(1.0)}}}
    rows = {
        line.split("|")[1].strip(): [c.strip() for c in line.split("|")[2:-1]]
        for line in learned_table(results, "resco", "sumo 1.9.1").splitlines()
        if line.startswith("| ") and "---" not in line
    }
    assert set(rows) == {"scenario", "ingolstadt21"}, "a scenario whose policy was not evaluated there has no row"
    assert rows["ingolstadt21"][0] == "100.00 ± 0.50" and rows["ingolstadt21"][2:4] == ["136.72", "yes"]
    assert rows["ingolstadt21"][4:6] == ["76.32", "no"], "RESCO's MAXWAVE, beside its MAXPRESSURE, judged the same way"
    assert rows["ingolstadt21"][-2:] == ["80.00 ± 0.50", "60.00 ± 0.50"]
    ours = {
        line.split("|")[1].strip(): line
        for line in learned_table(results, "resco").splitlines()
        if line.startswith("| ")
    }
    assert "150.00 ± 0.50" in ours["ingolstadt21"] and "| no |" in ours["ingolstadt21"]


def test_a_mean_over_training_seeds_is_over_one_setup() -> None:
    """A seed trained with another set-up (or the same seed trained before) leaves the mean for trained_earlier."""
    old_setup = as_json({**TRAINING_SETUP, "env": {**TRAINING_SETUP["env"], "observation": ["phase", "queue"]}})
    new_setup = as_json(TRAINING_SETUP)
    assert new_setup == as_json(dict(TRAINING_SETUP)) and new_setup != old_setup
    seed0_old = {**_cell(37.0), "training_seed": 0, "setup": old_setup}
    seed1 = {**_cell(31.0), "training_seed": 1, "setup": new_setup}
    seed2 = {**_cell(33.0), "training_seed": 2, "setup": new_setup}
    per_seed, moved = with_seed([seed0_old, seed1], seed2)
    assert per_seed == [seed1, seed2] and moved == [seed0_old]
    seed1_again = {**_cell(29.0), "training_seed": 1, "setup": new_setup}
    per_seed, moved = with_seed(per_seed, seed1_again)
    assert per_seed == [seed2, seed1_again] and moved == [seed1]
    unknown = {**_cell(30.0), "training_seed": 3}  # a cell from before set-ups were recorded
    assert with_seed([unknown], seed2) == ([seed2], [unknown])


def test_saving_a_scenario_keeps_what_another_run_wrote_meanwhile(tmp_path) -> None:
    path = tmp_path / "results.json"
    save_results({"grid4x4": {"greedy": _cell(32.0)}, "cologne1": {}}, path)
    ours = load_results(path)  # a long run loads the file, then trains cologne1 ...
    save_results(
        {**load_results(path), "grid4x4": {"greedy": _cell(32.0), "trained": _cell(30.0)}}, path
    )  # ... another run
    ours["cologne1"]["trained"] = _cell(17.0)
    save_entry(ours, "cologne1", path)
    on_disk = load_results(path)
    assert on_disk["grid4x4"]["trained"] == _cell(30.0) and on_disk["cologne1"]["trained"] == _cell(17.0)
    assert ours == on_disk, "the run's copy is brought up to date too (its tables show both)"
