"""``flowlights train --scenario S``: the training recipe (``flowlights.training.recipe``) end to end on any network.

1. the controllers a policy can copy, on the validation seeds, choose the teacher (their runs kept in
   ``<out>/<tag>/classical_validation``: measured once per scenario and protocol, reused by every training seed);
2. imitation, DAgger and PPO within the budget (``flowlights.training.train``);
3. the copy and every checkpoint on the validation seeds: the best checkpoint, if better than the copy there, replaces
   the copy when it also does better on fresh validation seeds (``selection.json``); then
   every other classical controller on the same seeds, for the levels to beat (``validation_curve.png``, and the
   minutes the policy took to beat the best of them);
4. the trained policy and every classical controller on the test seeds: ``comparison.json`` and its table.
"""

from __future__ import annotations

import csv
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Callable, Optional, Sequence

from flowlights.baselines.base import CONTROLLERS
from flowlights.errors import ConfigError
from flowlights.evaluation.comparison import build_comparison, comparison_table, paired_difference, write_comparison
from flowlights.evaluation.parallel import Job, default_workers, run_jobs
from flowlights.training.checkpoints import run_checkpoints
from flowlights.training.recipe import (
    DUEL_LEVEL,
    IMITATION,
    NOT_CLASSICAL,
    TEACHERS,
    VERSION,
    Budget,
    RecipeChoice,
    SeedSets,
    recipe_experiment,
    reward_scale,
)
from flowlights.training.train import TrainSettings, train
from flowlights.viz.plots import plot_validation_curve

Log = Callable[[str], None]


def _stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def scenario_tag(scenario: str) -> str:
    """A folder name for a scenario given as a bundled name, ``resco:NAME``, a folder or a .sumocfg."""
    name = scenario.split(":", 1)[-1].rstrip("/")
    return Path(name).stem if name.endswith(".sumocfg") else Path(name).name


def classical_controllers() -> list[str]:
    return [name for name in CONTROLLERS if name not in NOT_CLASSICAL]


def classical_reports(
    scenario: str,
    protocol: str,
    seeds: tuple[int, ...],
    folder: Path,
    log: Log = _stderr,
    workers: Optional[int] = None,
    controllers: Optional[Sequence[str]] = None,
) -> dict[str, dict[str, Any]]:
    """Every classical controller (or those named in ``controllers``) on ``seeds``, each controller's report cached
    in ``folder/<name>/metrics.json`` and reused while its seeds are the same and each of its episodes ran in a
    fresh process; a controller that cannot run here
    (under ``protocol``, or on this network) is left out, named."""
    names = [n for n in classical_controllers() if controllers is None or n in controllers]
    reports: dict[str, dict[str, Any]] = {}
    todo = []
    for name in names:
        cached = folder / name / "metrics.json"
        if cached.is_file():
            report = json.loads(cached.read_text())
            fresh = report.get("settings", {}).get("fresh_process", False)  # older runs: episodes shared a libsumo
            if fresh and [e["seed"] for e in report["episodes"]] == list(seeds):
                reports[name] = report
                continue
        todo.append(
            Job(name, controller=name, scenario=scenario, env_kwargs={"protocol": protocol, "time_to_teleport": -1})
        )
    if todo:
        log(
            f"classical controllers on seeds {seeds[0]}..{seeds[-1]} of {scenario} (protocol {protocol}): "
            f"{', '.join(j.name for j in todo)}"
        )
        for name, report in run_jobs(todo, seeds, workers, out=folder, log=log).items():
            if "error" in report:
                log(f"  {name} left out: it does not run here (protocol {protocol}): {report['error']}")
            else:
                reports[name] = report
    return {name: reports[name] for name in names if name in reports}


def mean_of(report: dict[str, Any], metric: str = "resco_delay") -> float:
    return float(report["summary"][metric]["mean"])


def choose_teacher(validation: dict[str, dict[str, Any]]) -> RecipeChoice:
    """The best controller a policy can copy, on the validation seeds; the reward scale from its queues."""
    teachers = [name for name in TEACHERS if name in validation]
    if not teachers:
        raise ConfigError(f"none of the controllers a policy can copy ({', '.join(TEACHERS)}) ran on this scenario.")
    teacher = min(teachers, key=lambda n: mean_of(validation[n]))
    return RecipeChoice(
        teacher=teacher,
        detection_distance=float(CONTROLLERS.get_or_fail(teacher).distance),
        reward_scale=reward_scale(mean_of(validation[teacher], "mean_queue")),
        validation={name: mean_of(r) for name, r in validation.items()},
    )


# a policy's evaluation episode against a rule's: loading the module in a fresh process and its forward pass at
# every decision (grid2x2: 3.8-6.0 s against greedy_clear's 1.5-2.0 s; arterial4x4's checkpoints 14-26 s against
# max_pressure's 4-6 s)
POLICY_SLOWDOWN = 3.0


COPY = "iter_000000"  # the checkpoint the imitation saves before PPO begins


def policy_episode_seconds(teacher: dict[str, Any]) -> float:
    """A policy's validation episode, estimated from the teacher's own episodes' wall time."""
    return statistics.fmean(e.get("wall_seconds", 0.0) for e in teacher["episodes"]) * POLICY_SLOWDOWN


def duel_seconds(teacher: dict[str, Any], confirmation: int, workers: Optional[int] = None) -> float:
    """The wall time the best checkpoint's duel with the copy takes (both on ``confirmation`` seeds), estimated."""
    return 2 * confirmation * policy_episode_seconds(teacher) / (workers or default_workers())


def validation_jobs(checkpoints: Sequence[Path], deadline: Optional[float]) -> list[Job]:
    """The evaluations of the choice, in the order they run: the copy and the last checkpoint (what PPO ended with)
    whatever the time, then the other checkpoints from the latest back, each left out if its episodes have not all
    begun by ``deadline``: the most trained first, as many as the budget's time allows."""
    by_name = {c.name: c for c in checkpoints}
    if COPY not in by_name:
        raise ConfigError(f"the copy ({COPY}) is not among the checkpoints: nothing to compare with.")
    trained = sorted((n for n in by_name if n != COPY), reverse=True)
    order = [COPY, *trained]
    return [
        Job(name, checkpoint=str(by_name[name]), deadline=None if k < 2 else deadline) for k, name in enumerate(order)
    ]


def _checkpoint_minutes(run_dir: Path, recipe_started: float) -> dict[str, float]:
    """Minutes from the recipe's start to each checkpoint: imitation and set-up, then PPO's wall time at it."""
    timing = json.loads((run_dir / "timing.json").read_text())
    rl_offset = timing["rl_started"] - recipe_started
    with open(run_dir / "progress.csv", newline="") as fh:
        at = {int(r["iteration"]): float(r["wall_seconds"]) for r in csv.DictReader(fh)}
    return {
        c.name: round((rl_offset + at.get(int(c.name.split("_")[1]), 0.0)) / 60, 2) for c in run_checkpoints(run_dir)
    }


def best_checkpoint(episodes: dict[str, list[float]]) -> Optional[str]:
    """The PPO checkpoint with the lowest mean of its per-seed validation scores (lower is better; the earlier on a
    tie), when that mean is lower than the copy's; else None: the copy stays without a duel."""
    if COPY not in episodes:
        raise ConfigError(f"the copy ({COPY}) was not evaluated on the validation seeds: nothing to compare with.")
    means = {name: statistics.fmean(scores) for name, scores in episodes.items()}
    checkpoints = [name for name in episodes if name != COPY]
    best = min(checkpoints, key=means.__getitem__, default=None)
    return best if best is not None and means[best] < means[COPY] else None


def duel(candidate: list[float], copy: list[float]) -> dict[str, Any]:
    """The best checkpoint against the copy on the fresh confirmation seeds: it replaces the copy when its mean there
    is lower and a one-sided Wilcoxon signed-rank test over the seeds says it is better at ``DUEL_LEVEL``. Its mean on
    the validation seeds it was chosen on is the best of several draws, partly luck; on fresh seeds it is an honest
    estimate, so the rule keeps the better of the two where no choice looked (a checkpoint that jams once there
    loses). The test keeps the copy when the lead is within the seeds' noise: a checkpoint a few tenths ahead on
    seven seeds of ten may break down on others where the copy does not. Ranks, not a t interval: one jammed episode
    of the copy does not hide a checkpoint that wins on every seed. Seeds on which the two tie are left out of the
    test (they say nothing about which is better). Also the paired difference and the seeds won, for the record."""
    diff = paired_difference(candidate, copy)
    wins = sum(x < c for x, c in zip(candidate, copy, strict=True))
    p_value = signed_rank_p(candidate, copy)
    better = diff["mean"] < 0 and p_value < DUEL_LEVEL
    return {**diff, "wins": wins, "episodes": len(copy), "p_value": p_value, "replaces_the_copy": better}


def signed_rank_p(a: Sequence[float], b: Sequence[float]) -> float:
    """The one-sided p-value of Wilcoxon's signed-rank test that ``a`` is lower than ``b`` seed by seed (exact for
    few seeds); 1.0 when they never differ."""
    from scipy.stats import wilcoxon  # optional: scipy (rllib extra); only a recipe run needs it

    if not any(x != y for x, y in zip(a, b, strict=True)):
        return 1.0
    return float(wilcoxon(a, b, alternative="less", zero_method="wilcox").pvalue)


def select_on_validation(
    run_dir: Path,
    seeds: SeedSets,
    recipe_started: float,
    log: Log = _stderr,
    workers: Optional[int] = None,
    deadline: Optional[float] = None,
) -> dict[str, Any]:
    """The copy and every checkpoint on the validation seeds; the best checkpoint, if better than the copy there,
    duels it on the confirmation seeds (``duel``). ``minutes``: the wall time from the recipe's start at which each
    was saved. The copy and the last checkpoint are always evaluated, the others from the latest back until
    ``deadline`` (a ``time.time()``; ``validation_jobs``): one not evaluated by then is left out of the choice
    (``not_evaluated``), so the budget holds however slow a policy's episodes are."""
    checkpoints = run_checkpoints(run_dir)
    log(
        f"validation: the copy and {len(checkpoints) - 1} PPO checkpoint(s) on seeds "
        f"{seeds.validation[0]}..{seeds.validation[-1]}"
    )
    reports = run_jobs(
        validation_jobs(checkpoints, deadline), seeds.validation, workers, out=run_dir / "validation", log=log
    )
    reports = {c.name: reports[c.name] for c in checkpoints if c.name in reports}  # in the order they were saved
    episodes = {name: [float(e["resco_delay"]) for e in r["episodes"]] for name, r in reports.items()}
    candidate = best_checkpoint(episodes)
    selection: dict[str, Any] = {
        "selected": COPY,
        "rule": "the checkpoint with the lowest validation mean, if lower than the copy's, replaces the copy when its "
        "mean on the fresh confirmation seeds is lower than the copy's there and a one-sided Wilcoxon signed-rank "
        f"test over those seeds says it is better at {DUEL_LEVEL}",
        "seeds": list(seeds.validation),
        "metric": "resco_delay",
        "scores": {name: mean_of(r) for name, r in reports.items()},
        "candidate": candidate,
        "minutes": _checkpoint_minutes(run_dir, recipe_started),
        "not_evaluated": [c.name for c in checkpoints if c.name not in reports],
    }
    if candidate is not None:
        confirm = seeds.confirmation
        log(f"confirmation: {candidate} against the copy on fresh seeds {confirm[0]}..{confirm[-1]}")
        duo = [Job(name, checkpoint=str(run_dir / "checkpoints" / name)) for name in (candidate, COPY)]
        fresh = run_jobs(duo, confirm, workers, out=run_dir / "confirmation", log=log)
        scores = {name: [float(e["resco_delay"]) for e in r["episodes"]] for name, r in fresh.items()}
        result = duel(scores[candidate], scores[COPY])
        selection["confirmation"] = {
            "seeds": list(confirm),
            "scores": {name: mean_of(r) for name, r in fresh.items()},
            "against_copy": result,
        }
        if result["replaces_the_copy"]:
            selection["selected"] = candidate
    return selection


COPY_TOLERANCE = 0.02  # a copy this much worse than its teacher on the validation seeds is worth a warning


def copy_shortfall(copy: float, teacher: str, teacher_score: float) -> Optional[str]:
    """A warning when the copy does worse than its teacher on the validation seeds by more than ``COPY_TOLERANCE``:
    the few decisions where it differs matter on this network, and the teacher itself would do better."""
    if copy <= teacher_score * (1 + COPY_TOLERANCE):
        return None
    return (
        f"warning: the copy of {teacher} scores {copy:.2f} on the validation seeds against {teacher}'s own "
        f"{teacher_score:.2f} ({100 * (copy / teacher_score - 1):+.0f}%): the few decisions where it differs from its "
        f"teacher matter on this network, where the teacher itself (`--controller {teacher}` of flowlights evaluate and "
        "deploy) does better"
    )


def minutes_to_beat(selection: dict[str, Any], level: float) -> Optional[float]:
    """The wall time at which the policy (the copy or a checkpoint) first beat ``level`` on the validation seeds."""
    beating = [selection["minutes"][n] for n, score in selection["scores"].items() if score < level]
    return min(beating, default=None)


def run_recipe(
    scenario: str,
    minutes: float,
    protocol: str = "flowlights",
    training_seed: int = 0,
    out: Path = Path("results"),
    budget: Budget = Budget(),
    progress: bool = True,
    seeds: Optional[SeedSets] = None,
    workers: Optional[int] = None,
    log: Log = _stderr,
) -> Path:
    """The whole recipe on ``scenario`` within ``minutes`` of wall time (teacher choice, imitation, PPO and checkpoint
    choice; the final test comparison comes on top); returns the run folder, which holds comparison.json."""
    if minutes <= 0:
        raise ConfigError(f"--minutes={minutes!r} must be > 0.")
    started = time.time()
    seeds = seeds or SeedSets(training_seed)
    tag = f"recipe_{protocol}_{scenario_tag(scenario)}"
    home = (Path(out) / tag).resolve()
    named = scenario  # as the user gave it: what the reports name
    if Path(scenario).exists():  # a folder or .sumocfg: the run's params.json must find it from anywhere
        scenario = str(Path(scenario).resolve())
    validation_dir = home / "classical_validation"
    teachers = classical_reports(scenario, protocol, seeds.validation, validation_dir, log, workers, TEACHERS)
    choice = choose_teacher(teachers)
    log(
        f"teacher: {choice.teacher} (validation resco_delay {choice.validation[choice.teacher]:.2f}); "
        f"reward scale {choice.reward_scale:g}"
    )
    experiment = recipe_experiment({"scenario": scenario}, protocol, choice, seeds, tag)
    elapsed_minutes = (time.time() - started) / 60
    settings = TrainSettings(
        minutes=minutes,
        seed=seeds.training_seed,
        num_env_runners=seeds.runners,
        checkpoint_freq=0,
        imitate=choice.teacher,
        imitate_episodes=IMITATION["episodes"],
        imitate_steps=IMITATION["steps"],
        imitate_rounds=IMITATION["max_rounds"],
        imitate_smoothing=IMITATION["smoothing"],
        imitate_until=IMITATION["until"],
        imitate_minutes=max(budget.imitation * minutes - elapsed_minutes, 0.1),
    )
    deadline = started + 60 * minutes * (1 - budget.validation)
    run_dir = train(
        experiment, settings, out=home, progress=progress, deadline=deadline, checkpoints=budget.checkpoints
    )
    # checkpoints are evaluated until the time the duel needs is all that is left of the budget
    validated_by = started + 60 * minutes - duel_seconds(teachers[choice.teacher], len(seeds.confirmation), workers)
    selection = select_on_validation(run_dir, seeds, started, log, workers, validated_by)
    selection["wall_minutes"] = round((time.time() - started) / 60, 2)  # the recipe's own time ends here
    shortfall = copy_shortfall(selection["scores"][COPY], choice.teacher, choice.validation[choice.teacher])
    if shortfall:
        log(shortfall)
    # the other classical controllers on the validation seeds: the levels to beat (reporting, not the budget)
    validation = classical_reports(scenario, protocol, seeds.validation, validation_dir, log, workers)
    choice.validation = {name: mean_of(r) for name, r in validation.items()}
    best_name = min(choice.validation, key=choice.validation.__getitem__)
    selection["best_classical"] = best_name
    selection["minutes_to_beat"] = minutes_to_beat(selection, choice.validation[best_name])
    (run_dir / "selection.json").write_text(json.dumps(selection, indent=2))
    log(
        f"chosen on validation: {_chosen_why(selection)}; recipe wall time {selection['wall_minutes']:.1f} min; first beat {best_name} "
        f"({choice.validation[best_name]:.2f}) on validation after "
        + (f"{selection['minutes_to_beat']:.1f} min" if selection["minutes_to_beat"] is not None else "- (never)")
    )
    _plot(run_dir, selection, choice.validation)
    recipe = {
        "version": VERSION,
        "teacher": choice.teacher,
        "reward_scale": choice.reward_scale,
        "detection_distance": choice.detection_distance,
        "budget_minutes": minutes,
        "wall_minutes": selection["wall_minutes"],
        "chosen": selection["selected"],
        "minutes_to_beat_best_classical_on_validation": selection["minutes_to_beat"],
        "validation": {"classical": choice.validation, "checkpoints": selection["scores"]},
    }
    compare_on_test_seeds(run_dir, scenario, named, protocol, seeds.as_dict(), {"recipe": recipe}, log, workers)
    return run_dir


def compare_on_test_seeds(
    run_dir: Path,
    scenario: str,
    named: str,
    protocol: str,
    seeds: dict[str, Any],
    extra: dict[str, Any],
    log: Log = _stderr,
    workers: Optional[int] = None,
) -> dict[str, Any]:
    """The run's chosen policy (``extra["recipe"]["chosen"]``) and every classical controller on the test seeds
    (``seeds["test_seeds"]``), compared seed by seed; written to ``run_dir/comparison.json`` and printed. The
    classical reports are cached beside the run folder, in ``classical_test``."""
    test = tuple(seeds["test_seeds"])
    classical = classical_reports(scenario, protocol, test, run_dir.parent / "classical_test", log, workers)
    chosen = run_dir / "checkpoints" / extra["recipe"]["chosen"]
    trained = run_jobs([Job("trained", checkpoint=str(chosen))], test, workers, out=run_dir / "test", log=log)
    comparison = build_comparison(named, protocol, seeds, trained["trained"], classical, extra=extra)
    write_comparison(comparison, run_dir)
    print(comparison_table(comparison))
    return comparison


def retest(run_dir: Path, log: Log = _stderr, workers: Optional[int] = None) -> dict[str, Any]:
    """A finished run's test comparison made again from its own comparison.json (the same chosen policy, seeds and
    recipe record): for runs whose test episodes shared a libsumo process, before each had its own."""
    run_dir = Path(run_dir).resolve()
    old = json.loads((run_dir / "comparison.json").read_text())
    named = old["scenario"]
    scenario = str(Path(named).resolve()) if Path(named).exists() else named
    seeds = {k: v for k, v in old.items() if k.endswith("_seeds")}
    extra = {"recipe": old["recipe"], "retested": time.strftime("%Y-%m-%d")}
    log(f"retest of {run_dir.name}: {old['recipe']['chosen']} and the classical controllers on the test seeds")
    return compare_on_test_seeds(run_dir, scenario, named, old["protocol"], seeds, extra, log, workers)


def _chosen_why(selection: dict[str, Any]) -> str:
    """The chosen policy, its validation score and why it was kept, for the log."""
    name, scores, candidate = selection["selected"], selection["scores"], selection["candidate"]
    if candidate is None:
        return f"the copy ({scores[COPY]:.2f}; no checkpoint did better on average)"
    fresh = selection["confirmation"]
    duel_text = (
        f"on fresh seeds {fresh['seeds'][0]}..{fresh['seeds'][-1]} {candidate} {fresh['scores'][candidate]:.2f}, "
        f"the copy {fresh['scores'][COPY]:.2f}"
    )
    p_value = fresh["against_copy"].get("p_value")  # runs before 2026-12-07b had no test
    duel_text += "" if p_value is None else f", signed-rank p {p_value:.3f}"
    if name == candidate:
        return f"{name} ({scores[name]:.2f}, the copy {scores[COPY]:.2f}; {duel_text})"
    return f"the copy ({scores[COPY]:.2f}; the best checkpoint {candidate} {scores[candidate]:.2f}, but {duel_text})"


def _plot(run_dir: Path, selection: dict[str, Any], classical: dict[str, float]) -> None:
    points = sorted((selection["minutes"][n], score) for n, score in selection["scores"].items())
    plot_validation_curve(run_dir / "validation_curve.png", points, classical)


__all__ = [
    "COPY",
    "classical_reports",
    "best_checkpoint",
    "choose_teacher",
    "duel",
    "minutes_to_beat",
    "run_recipe",
    "select_on_validation",
]
