"""The training recipe: disjoint seed sets, the lock-up rule against SUMO's own trip records, the paired comparison,
and one short run end to end (teacher chosen on validation, checkpoint chosen on validation, comparison.json)."""

from __future__ import annotations

import json
import math
import statistics

import numpy as np
import pytest

from conftest import flowlights
from flowlights.baselines import make_controller
from flowlights.errors import ConfigError
from flowlights.evaluation.comparison import build_comparison, comparison_table, paired_difference
from flowlights.evaluation.episode import run_controller_episode
from flowlights.evaluation.lockup import LOCKUP_SECONDS
from flowlights.evaluation.recipe_run import COPY, best_checkpoint, duel
from flowlights.evaluation.tripinfo import read_tripinfos
from flowlights.training.recipe import VERSION, SeedSets


def test_seed_sets_are_disjoint_and_training_lies_apart():
    seeds = SeedSets(training_seed=2)
    assert not set(seeds.validation) & set(seeds.test)
    starts = [s[0] for s in seeds.training()]
    assert min(starts) >= 1000 and len(set(starts)) == seeds.runners + 1
    with pytest.raises(ConfigError, match="overlap"):
        SeedSets(validation=(100, 101), test=tuple(range(100, 120)))
    with pytest.raises(ConfigError, match="1000"):
        SeedSets(validation=(1500,))
    # the confirmation seeds come right after the validation seeds, fresh, and never reach the test seeds
    assert seeds.confirmation == tuple(range(205, 215))
    assert SeedSets(validation=(200, 201), confirmation_episodes=5).confirmation == (202, 203, 204, 205, 206)
    with pytest.raises(ConfigError, match="confirmation seeds 95..104"):
        SeedSets(validation=tuple(range(90, 95)), test=tuple(range(100, 120)))
    with pytest.raises(ConfigError, match="must be >= 5"):  # on four seeds the duel could never be won
        SeedSets(confirmation_episodes=4)
    assert set(seeds.as_dict()) == {"training_seeds", "validation_seeds", "confirmation_seeds", "test_seeds"}


def test_paired_difference_is_the_mean_of_per_seed_differences_with_a_t_interval():
    rng = np.random.default_rng(0)
    a, b = rng.normal(40, 2, 20), rng.normal(42, 2, 20)
    out = paired_difference(list(a), list(b))
    d = a - b
    assert out["mean"] == pytest.approx(d.mean())
    half = 2.093 * d.std(ddof=1) / math.sqrt(20)  # Student's t, 19 degrees of freedom
    assert out["ci95"] == pytest.approx([d.mean() - half, d.mean() + half])
    with pytest.raises(ValueError):
        paired_difference([1.0, 2.0], [1.0])


def test_the_best_checkpoint_duels_the_copy_on_fresh_seeds():
    """The checkpoint with the lowest validation mean is the candidate, only when that mean is below the copy's; it
    replaces the copy when its mean on the fresh confirmation seeds is lower too (a jam there loses the duel) and the
    signed ranks say it is better beyond the seeds' noise."""
    copy = [18.0, 17.8, 18.7, 17.8, 17.3]
    lucky = [16.9, 18.1, 17.9, 17.9, 17.0]
    steady = [17.7, 17.5, 18.4, 17.5, 17.0]
    worse = [19.0, 18.8, 19.7, 18.8, 18.3]
    assert statistics.fmean(lucky) < statistics.fmean(steady) < statistics.fmean(copy)
    assert best_checkpoint({COPY: copy, "iter_000010": steady, "iter_000020": lucky, "iter_000030": worse}) == (
        "iter_000020"
    )
    assert best_checkpoint({COPY: copy, "iter_000010": worse}) is None  # no duel: the copy stays
    assert best_checkpoint({COPY: copy}) is None
    assert best_checkpoint({COPY: copy, "iter_000010": steady, "iter_000020": steady}) == "iter_000010"  # a tie
    with pytest.raises(ConfigError, match="iter_000000"):
        best_checkpoint({"iter_000010": steady})
    fresh_copy = [17.9, 18.2, 18.1, 17.6, 18.4, 18.0, 17.7, 18.3, 17.8, 18.1]
    clear = [x - 0.3 - 0.02 * k for k, x in enumerate(fresh_copy)]  # better on every seed
    result = duel(clear, fresh_copy)
    assert result["replaces_the_copy"] and result["wins"] == 10 and result["episodes"] == 10
    assert result["mean"] == pytest.approx(paired_difference(clear, fresh_copy)["mean"]) == pytest.approx(-0.39)
    assert result["p_value"] == pytest.approx(1 / 2**10)  # one sign pattern of 1024 ranks as low
    # a lead within the seeds' noise keeps the copy: 0.21 s on average, ahead on 7 of 10, behind by 0.45 on one
    noisy = [c + d for c, d in zip(fresh_copy, [-0.13, -0.68, 0.0, -0.38, -0.28, -0.4, 0.45, -0.36, 0.04, -0.33])]
    result = duel(noisy, fresh_copy)
    assert result["mean"] < 0 and result["wins"] == 7 and not result["replaces_the_copy"]
    assert result["p_value"] == pytest.approx(_exact_signed_rank_p(noisy, fresh_copy)) and result["p_value"] > 0.05
    # the copy jammed once: a t interval would straddle zero, the ranks still see a win on every seed
    copy_jammed = fresh_copy[:-1] + [60.0]
    assert paired_difference(clear, copy_jammed)["ci95"][1] > 0 and duel(clear, copy_jammed)["replaces_the_copy"]
    jammed = clear[:-1] + [60.0]  # better on nine, jammed on one: the signed ranks favour it, its mean does not
    assert duel(jammed, fresh_copy)["p_value"] < 0.05 and not duel(jammed, fresh_copy)["replaces_the_copy"]
    tie = duel(fresh_copy, fresh_copy)  # a tie keeps the copy
    assert not tie["replaces_the_copy"] and tie["p_value"] == 1.0
    with pytest.raises(ValueError):
        duel(clear[:3], fresh_copy)


def _exact_signed_rank_p(a, b):
    """The one-sided signed-rank p-value by counting every sign pattern (no ties among the nonzero differences)."""
    diffs = [x - y for x, y in zip(a, b) if x != y]
    order = sorted(range(len(diffs)), key=lambda i: abs(diffs[i]))
    ranks = {i: r + 1 for r, i in enumerate(order)}
    observed = sum(ranks[i] for i, d in enumerate(diffs) if d > 0)
    patterns = [sum(r for i, r in ranks.items() if mask >> i & 1) for mask in range(2 ** len(diffs))]
    return sum(w <= observed for w in patterns) / len(patterns)


def _arrival_gaps(tripinfo, end):
    """Longest stretch without an arrival while vehicles were in the network, from SUMO's tripinfo file."""
    trips = read_tripinfos(tripinfo)
    spans = sorted((float(t["depart"]), float(t["arrival"]) if float(t["arrival"]) >= 0 else end) for t in trips)
    arrivals = sorted(float(t["arrival"]) for t in trips if float(t["arrival"]) >= 0)
    longest, last = 0.0, 0.0
    for moment in arrivals + [end]:
        # the stretch counts only while a vehicle was in the network all along
        occupied = any(d <= last and a >= moment for d, a in spans)
        if occupied:
            longest = max(longest, moment - last)
        last = moment
    return longest


def test_a_copy_worse_than_its_teacher_is_said():
    """A copy that agrees with its teacher on nearly every decision can still do much worse on a fragile network (on
    RESCO ingolstadt21: 176.97 against greedy_spillback's 62.47 on the validation seeds); the log says so."""
    from flowlights.evaluation.recipe_run import copy_shortfall

    said = copy_shortfall(176.97, "greedy_spillback", 62.47)
    assert said and "176.97" in said and "62.47" in said and "+183%" in said and "--controller greedy_spillback" in said
    assert copy_shortfall(63.0, "greedy_spillback", 62.47) is None, "within 2% of its teacher: nothing to say"
    assert copy_shortfall(60.0, "greedy_spillback", 62.47) is None


@pytest.mark.parametrize("name", ["sotl", "actuated"])
def test_lockup_is_a_long_stretch_without_arrivals_in_a_full_network(tmp_path, name):
    """The lock-up flag against SUMO's own trip records: an episode is flagged exactly when its tripinfo shows a
    stretch of LOCKUP_SECONDS with vehicles in the network and no arrival. sotl on the 2x2 grid gridlocks it on
    seed 102 and, badly congested but still delivering, not on seed 100; actuated does not on either."""
    flags = []
    for seed in (100, 102):
        m = run_controller_episode(
            make_controller(name), seed, tmp_path, progress=False, scenario="grid2x2", time_to_teleport=-1
        )
        longest = _arrival_gaps(tmp_path / f"tripinfo_seed{seed}.xml", 3600.0)
        assert bool(m["lockup"]) == (longest >= LOCKUP_SECONDS - 5), (seed, m["lockup"], longest)
        flags.append(m["lockup"])
    assert flags == ([0, 1] if name == "sotl" else [0, 0])


def _report(name, seeds, values):
    episodes = [
        {"seed": s, "resco_delay": v, "mean_delay": v - 1, "lockup": int(v > 100)} for s, v in zip(seeds, values)
    ]
    return {"controller": name, "episodes": episodes}


def test_comparison_names_the_best_classical_and_refuses_unpaired_seeds():
    seeds = [100, 101, 102]
    trained = _report("trained", seeds, [40.0, 41.0, 39.0])
    classical = {"a": _report("a", seeds, [42.0, 44.0, 43.0]), "b": _report("b", seeds, [50.0, 150.0, 60.0])}
    out = build_comparison("grid", "flowlights", SeedSets().as_dict(), trained, classical)
    assert out["best_classical"] == "a"
    assert out["controllers"]["b"]["lockups"] == 1
    assert out["paired_difference"]["mean"] == pytest.approx(statistics.fmean([-2.0, -3.0, -4.0]))
    assert "trained - a (best classical)" in comparison_table(out)
    with pytest.raises(ValueError, match="other seeds"):
        build_comparison("grid", "flowlights", {}, trained, {"a": _report("a", [1, 2, 3], [1.0, 2.0, 3.0])})


def test_train_scenario_refuses_options_the_recipe_sets_itself():
    done = flowlights("train", "--scenario", "grid2x2", "--imitate", "greedy", "--num-env-runners", "1")
    assert done.returncode == 2 and "--num-env-runners, --imitate" in done.stderr, done.stderr
    done = flowlights("train", "grid2x2_shared", "--scenario", "grid2x2")
    assert done.returncode == 2 and "either it or an experiment config" in done.stderr, done.stderr
    done = flowlights("train", "grid2x2_shared", "--test-episodes", "5")
    assert done.returncode == 2 and "give it with --scenario" in done.stderr, done.stderr
    for option, value, why in [
        ("--validation-episodes", "0", "between 1 and 100"),  # 0 is not the default
        ("--confirmation-episodes", "4", "between 5 and 100"),  # the duel could never be won
        ("--test-episodes", "0", "between 1 and 100"),
    ]:
        done = flowlights("train", "--scenario", "grid2x2", option, value)
        assert done.returncode == 2 and f"{option} {value} must be" in done.stderr and why in done.stderr, done.stderr


def test_a_config_that_chooses_no_set_up_runs_the_recipe():
    """A config naming only its network goes to the recipe (which then refuses an option it sets itself, before any
    work); every bundled config chooses its own set-up and is trained as written."""
    from pathlib import Path

    from conftest import REPO
    from flowlights.training.experiment import load_experiment
    from flowlights.training.recipe import recipe_scenario

    done = flowlights("train", str(REPO / "exp_configs" / "recipe_grid2x2.yaml"), "--imitate", "greedy")
    assert done.returncode == 2 and "runs the training recipe on grid2x2" in done.stderr, done.stderr
    assert "--imitate: the training recipe (--scenario) sets" in done.stderr, done.stderr
    others = [p for p in sorted(Path(REPO / "exp_configs").glob("*")) if p.stem != "recipe_grid2x2"]
    assert others and all(recipe_scenario(load_experiment(p)) is None for p in others)


def test_validation_runs_the_copy_and_the_last_checkpoint_then_the_others_while_time_is_left(tmp_path):
    """The copy and PPO's last checkpoint are evaluated whatever the time; the other checkpoints from the latest
    back, each with the deadline (``run_jobs`` leaves out one whose episodes have not all begun by then). The duel's
    time is estimated from the teacher's episodes."""
    from flowlights.evaluation.recipe_run import COPY, POLICY_SLOWDOWN, duel_seconds, validation_jobs

    names = [COPY, "iter_000012", "iter_000024", "iter_000036"]
    jobs = validation_jobs([tmp_path / n for n in names], deadline=123.0)
    assert [j.name for j in jobs] == [COPY, "iter_000036", "iter_000024", "iter_000012"]
    assert [j.deadline for j in jobs] == [None, None, 123.0, 123.0]
    assert all(j.checkpoint == str(tmp_path / j.name) for j in jobs)
    with pytest.raises(ConfigError, match="iter_000000"):
        validation_jobs([tmp_path / "iter_000012"], deadline=None)
    teacher = {"episodes": [{"wall_seconds": 4.0}] * 5}
    assert duel_seconds(teacher, 10, workers=2) == 2 * 10 * 4 * POLICY_SLOWDOWN / 2


def test_dagger_stops_once_the_copy_agrees_two_rounds_running():
    from flowlights.training.imitation import converged

    def rounds(*shares):
        return [{"agreement_driving": {"shared": s}} for s in shares]

    assert not converged(rounds(0.995), 0.99)  # one round is not enough
    assert not converged(rounds(0.995, 0.98), 0.99)
    assert converged(rounds(0.9, 0.991, 0.995), 0.99)
    assert not converged(rounds(0.995, 0.995), None)  # no threshold: every round runs
    assert not converged([{"agreement_driving": {"a": 1.0, "b": 0.5}}] * 2, 0.99)  # every policy must agree


def test_results_page_is_generated_from_the_recorded_runs(tmp_path):
    """A finished run recorded as a cell appears on the generated page: the trained mean, the best classical
    controller, the paired interval, the teacher; a second training seed makes the mean over both."""
    from flowlights.benchmarks.recipe import add_run, summarise_cell

    seeds = [100, 101, 102]
    classical = {
        "actuated": _report("actuated", seeds, [42.0, 44.0, 43.0]),
        "greedy": _report("greedy", seeds, [60.0] * 3),
    }
    page = tmp_path / "recipe.md"
    for seed, values in ((0, [40.0, 41.0, 39.0]), (1, [42.0, 43.0, 41.0])):
        run = tmp_path / f"run{seed}"
        run.mkdir()
        comparison = build_comparison(
            "grid2x2",
            "flowlights",
            SeedSets(seed).as_dict(),
            _report("trained", seeds, values),
            classical,
            extra={
                "recipe": {
                    "version": VERSION,
                    "teacher": "greedy_gap",
                    "budget_minutes": 10,
                    "wall_minutes": 9.1,
                    "minutes_to_beat_best_classical_on_validation": 6.0,
                },
                **({"retested": "2026-12-06"} if seed == 1 else {}),
            },
        )
        (run / "comparison.json").write_text(json.dumps(comparison))
        key = add_run(run, tmp_path / "recipe.json", page, command="flowlights train --scenario grid2x2")
    cell = summarise_cell(json.loads((tmp_path / "recipe.json").read_text())[key])
    assert cell["per_seed"] == [40.0, 42.0] and cell["trained"] == pytest.approx(41.0)
    assert cell["best_classical"] == "actuated"
    text = page.read_text()
    assert "| grid2x2 | 41.00 ± 1.00 | 2 | actuated 43.00 | -4.7% |" in text, text
    assert "flowlights train --scenario grid2x2" in text and "greedy_gap" in text
    assert "| greedy_gap | 6.00, 6.00 | 9.10, 9.10 |" in text, "minutes to beat, then the recipe's wall time per seed"
    assert (
        "in a process of its own (its first run shared libsumo processes between episodes): grid2x2 seed 1 (2026-12-06)."
        in text
    )
    assert text.startswith(f"# Results: the training recipe of {VERSION}\n")
    # a run of another recipe is refused, not averaged with these: the file and the page stay as they were
    comparison["recipe"]["version"] = "2000-01-01"
    (run / "comparison.json").write_text(json.dumps(comparison))
    with pytest.raises(ConfigError, match=f"recipe of {VERSION}.*recipe of 2000-01-01.*--results"):
        add_run(run, tmp_path / "recipe.json", page)
    assert page.read_text() == text
