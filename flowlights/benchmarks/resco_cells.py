"""The RESCO benchmark, cell by cell: our baselines and trained policies on RESCO's eight scenarios
under one protocol, beside RESCO's published delays (used by flowlights benchmark resco).

Every cell is evaluated on the same held-out seeds (100..104 by default) with RESCO's delay
(``resco_delay``). Results go to a JSON file after every cell, so a stopped run resumes where it
was (finished cells are skipped) and nothing measured is lost.
"""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path
from typing import Any, Optional, Sequence

from flowlights.baselines.base import CONTROLLERS
from flowlights.benchmarks.resco_reference import LEARNERS, OUR_NAME, PUBLISHED, best_learner
from flowlights.errors import ConfigError
from flowlights.evaluation.checkpoint_selection import (
    VALIDATION_SEED,
    check_validation_seeds,
    run_checkpoints,
    select_checkpoint,
)
from flowlights.evaluation.evaluate import evaluate
from flowlights.evaluation.learning_report import training_minutes
from flowlights.features.observations import get_features
from flowlights.features.rewards import get_reward
from flowlights.networks.network_file import resco_dir
from flowlights.training.checkpoints import checkpoint_path
from flowlights.training.experiment import experiment_from_dict
from flowlights.training.imitation import check_controller_fits, check_imitating_algorithm
from flowlights.training.train import TrainSettings, last_progress, train
from flowlights.training.trained_policy import TrainedPolicy

BASELINES = ("max_pressure", "greedy", "program", "fixed")
# RESCO has no actuated; under our safe protocols it is the bar to beat (max_pressure_gap: max-pressure with its gap-out)
SAFE_BASELINES = BASELINES + ("actuated", "max_pressure_gap")
EVAL_SEED, EVAL_EPISODES = 100, 5

# The training set-up that is run for every scenario: PPO, one policy shared by every light
# (observations padded to one shape), observations and reward on the detection zones (what a
# detector sees within 200 m of the stop line, upstream lanes included: real networks' short lanes).
TRAINING_SETUP: dict[str, Any] = {
    "algorithm": "PPO",
    "policies": "shared",
    "env": {
        "observation": ["phase", "min_green", "zone_approach", "zone_queue"],
        "reward": "zone_queue",
        "pad_observations": True,
    },
    "training": {
        "lr": 5e-4,
        "gamma": 0.95,
        "train_batch_size_per_learner": 2000,
        "minibatch_size": 1000,
        "num_epochs": 5,
    },
}

# Where the common setup failed, the one tried instead (docs/notes/ has every set-up tried and what it gave).
# ingolstadt21: choosing a green on the zone_queue reward, the greedy policy changed green at nearly every decision
# (7 s greens between yellows) and the network locked up (592.78 s); a keep/switch action, with the time in the green
# and the neighbours' greens seen, did not lock up but kept vehicles out of the network (197.68 s); RESCO's IDQN
# recipe (zone_wait) trained worse. So: keep/switch, and a reward and observation that see the vehicles kept out
# (174.29 s; RESCO's MAXPRESSURE 136.72). Its greedy policy still changes green at almost every decision, but a
# cost on each change (change_cost 2) made it worse: it switched too little and the network locked up (778.49 s).
SCENARIO_SETUPS: dict[str, dict[str, Any]] = {
    "ingolstadt21": {
        **TRAINING_SETUP,
        "env": {
            **TRAINING_SETUP["env"],
            "action_mode": "switch",
            "reward": "zone_queue_held",
            "observation": ["phase", "time_in_phase", "zone_approach", "zone_queue", "held_back", "neighbours"],
        },
    },
}


SETUP_KEYS = ("algorithm", "policies", "env", "training")


def changed_setup(setup: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """``setup`` with ``changes`` applied (e.g. ``{"env": {"reward": "zone_queue_held"}}``): ``env`` and ``training``
    merged key by key, ``algorithm`` and ``policies`` replaced; ``setup`` itself is left as it is."""
    unknown = sorted(set(changes) - set(SETUP_KEYS))
    if unknown:
        raise ConfigError(
            f"set-up changes: unknown key(s) {', '.join(map(repr, unknown))}; allowed: {', '.join(SETUP_KEYS)} "
            '(e.g. {"env": {"reward": "zone_queue_held"}, "training": {"lr": 1e-4}}).'
        )
    out = dict(setup)
    for key, value in changes.items():
        if key in ("env", "training"):
            if not isinstance(value, dict):
                raise ConfigError(f"set-up changes: {key!r} must be a mapping of its settings, not {value!r}.")
            out[key] = {**setup[key], **value}
        else:
            out[key] = value
    return out


def setup_for(
    scenario: str,
    setup: Optional[dict[str, Any]] = None,
    imitate: Optional[str] = None,
    changes: Optional[dict[str, Any]] = None,
    imitate_rounds: int = 0,
    select_episodes: int = 0,
) -> dict[str, Any]:
    """The training setup for ``scenario``: ``setup`` when given, else its own (SCENARIO_SETUPS) or the common one;
    ``changes``: applied over it (``changed_setup``); ``imitate``: the policy starts as a copy of that controller
    (``flowlights train --imitate``), refined by ``imitate_rounds`` DAgger rounds (``--imitate-rounds``);
    ``select_episodes``: the run's checkpoint is chosen on that many validation episodes (``select_checkpoint``)."""
    chosen = setup if setup is not None else SCENARIO_SETUPS.get(scenario, TRAINING_SETUP)
    chosen = changed_setup(chosen, changes) if changes else chosen
    rounds = {"imitate_rounds": imitate_rounds} if imitate_rounds else {}
    chosen = {**chosen, "imitate": imitate, **rounds} if imitate else chosen
    return {**chosen, "select_episodes": select_episodes} if select_episodes else chosen


def same_training(earlier: Optional[dict[str, Any]], setup: dict[str, Any]) -> bool:
    """Whether a run trained with the set-up ``earlier`` is a run of ``setup``: they differ at most in how its
    checkpoint is chosen, which happens after training."""

    def trained_by(s: Optional[dict[str, Any]]) -> dict[str, Any]:
        return {k: v for k, v in (s or {}).items() if k != "select_episodes"}

    return trained_by(earlier) == trained_by(as_json(setup))


def check_setups(
    scenarios: Sequence[str],
    protocol: str,
    setup: Optional[dict[str, Any]] = None,
    imitate: Optional[str] = None,
    changes: Optional[dict[str, Any]] = None,
    imitate_rounds: int = 0,
    select_episodes: int = 0,
) -> None:
    """Fail before any training, naming the scenario, when its set-up cannot be trained: an unknown reward or
    observation or env setting, or ``imitate`` no controller or one deciding unlike the trained policy (e.g. a
    green-choosing controller for a keep/switch set-up), or ``imitate_rounds`` without ``imitate`` (TrainSettings'
    own checks), or validation episodes that would reach the held-out seeds."""
    TrainSettings(imitate=imitate, imitate_rounds=imitate_rounds)
    if select_episodes:
        check_validation_seeds(VALIDATION_SEED, select_episodes)
    controller = CONTROLLERS.get_or_fail(imitate) if imitate else None
    for scenario in scenarios:
        try:
            own = setup_for(scenario, setup, imitate, changes)
            get_reward(own["env"]["reward"])
            get_features(own["env"]["observation"])
            env = training_experiment(scenario, protocol, own).flow_params["env"]
            if controller is not None:
                check_imitating_algorithm(own["algorithm"])
                check_controller_fits(controller, env)
        except ConfigError as error:
            fix = f" (leave {scenario} out of --scenarios, or train it without --imitate)" if controller else ""
            raise ConfigError(f"{scenario}: {error}{fix}") from None


def load_results(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text()) if path.is_file() else {}


def save_results(results: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(results, indent=2, sort_keys=False))
    tmp.replace(path)  # never a half-written file


def save_entry(results: dict[str, Any], scenario: str, path: Path) -> None:
    """Write ``scenario``'s entry into the file as it is now: what another run (another scenario's, running beside
    this one on another machine or after it) wrote there meanwhile is kept, not overwritten by our older copy."""
    on_disk = load_results(path)
    on_disk[scenario] = results[scenario]
    results.update({k: v for k, v in on_disk.items() if k != scenario})
    save_results(on_disk, path)


def _delay_summary(report: dict[str, Any]) -> dict[str, Any]:
    episodes = [e["resco_delay"] for e in report["episodes"]]
    return {
        "resco_delay": {"mean": statistics.fmean(episodes), "std": statistics.pstdev(episodes)},
        "episodes": episodes,
        "seeds": [e["seed"] for e in report["episodes"]],
        "protocol": report["protocol"],
    }


def policy_cell(
    policy: str | Path, out: Path, seed: int = EVAL_SEED, episodes: int = EVAL_EPISODES, backend: str = "libsumo"
) -> dict[str, Any]:
    """A trained policy (a run folder: its last checkpoint, or a checkpoint folder) on the evaluation seeds, on its
    own scenario: mean resco_delay."""
    return _delay_summary(
        evaluate(None, TrainedPolicy(policy), episodes=episodes, seed=seed, progress=False, out=out, backend=backend)
    )


def baseline_cell(
    scenario: str,
    controller: str,
    protocol: str,
    runs: Path,
    backend: str = "libsumo",
    seed: int = EVAL_SEED,
    episodes: int = EVAL_EPISODES,
) -> dict[str, Any]:
    """One of our baselines on a RESCO scenario: mean resco_delay over the evaluation seeds."""
    report = evaluate(
        str(resco_dir() / scenario),
        controller,
        episodes=episodes,
        seed=seed,
        progress=False,
        out=runs / scenario / protocol / controller,
        protocol=protocol,
        time_to_teleport=-1,
        backend=backend,
    )
    return _delay_summary(report)


def training_experiment(scenario: str, protocol: str, setup: dict[str, Any]) -> Any:
    """The experiment trained on ``scenario``: ``setup`` on the RESCO scenario under ``protocol``."""
    return experiment_from_dict(
        {
            "exp_tag": f"resco_{protocol}_{scenario}",
            "env_name": "TrafficLightEnv",
            "network": "NetworkFile",
            "simulator": "libsumo",
            "protocol": protocol,
            "sim": {"time_to_teleport": -1},
            "env": dict(setup["env"]),
            "net": {"scenario": f"resco:{scenario}"},
            "policies": setup["policies"],
            "training": dict(setup["training"]),
        },
        f"resco benchmark {scenario}",
    )


def trained_cell(
    scenario: str,
    protocol: str,
    training_seed: int,
    minutes: float,
    runs: Path,
    setup: dict[str, Any],
    num_env_runners: int = 2,
    seed: int = EVAL_SEED,
    episodes: int = EVAL_EPISODES,
    resume: Optional[Path] = None,
) -> dict[str, Any]:
    """Train for ``minutes`` with ``training_seed`` (``resume``: continue that stopped run up to ``minutes`` in
    all), then evaluate the greedy policy on the evaluation seeds (``held_out_cell``)."""
    experiment = None if resume else training_experiment(scenario, protocol, setup)
    left = minutes - (training_minutes(resume) if resume else 0.0)
    if left <= 0:
        raise ConfigError(
            f"{resume} has trained {training_minutes(resume):.1f} min already; the budget is {minutes:g}."
        )
    run_dir = train(
        experiment,
        TrainSettings(
            minutes=left,
            seed=training_seed,
            num_env_runners=num_env_runners,
            checkpoint_freq=25,
            algorithm=setup["algorithm"],
            imitate=setup.get("imitate"),
            imitate_rounds=setup.get("imitate_rounds", 0),
        ),
        out=runs / scenario / protocol / f"trained_seed{training_seed}",
        resume=resume,
    )
    last = last_progress(run_dir)
    cell = {
        "training_seed": training_seed,
        "training_minutes": round(training_minutes(run_dir), 1),
        "env_steps": int(last["env_steps"]),
        "run": str(run_dir),
    }
    return held_out_cell(cell, setup, seed, episodes)


SUMMARY_KEYS = ("resco_delay", "episodes", "seeds", "protocol")  # what _delay_summary gives


def held_out_cell(
    cell: dict[str, Any], setup: dict[str, Any], seed: int = EVAL_SEED, episodes: int = EVAL_EPISODES, log: Any = None
) -> dict[str, Any]:
    """A finished run's cell (``cell["run"]``) under ``setup``, measuring on the held-out seeds only what it lacks:
    its last checkpoint; the copy it began from when the set-up imitates (``copy_cell``); and with ``select_episodes``
    the checkpoint chosen on validation seeds (``select_checkpoint``), which is then the cell's figure, the last
    checkpoint's kept beside it as ``last_checkpoint``."""
    run = Path(cell["run"])
    last = cell.get("last_checkpoint") or (
        {k: cell[k] for k in SUMMARY_KEYS}
        if "resco_delay" in cell
        else policy_cell(run, run / "evaluation", seed, episodes)
    )
    out = (
        {k: v for k, v in cell.items() if k not in ("checkpoint", "last_checkpoint")} | last | {"setup": as_json(setup)}
    )
    if setup.get("imitate") and "copy" not in out:
        out["copy"] = copy_cell(run, seed, episodes)
    if not setup.get("select_episodes"):
        return out
    selection = cell.get("checkpoint")
    if selection is None or len(selection["seeds"]) != setup["select_episodes"]:
        selection = select_checkpoint(run, setup["select_episodes"], log=log)
    name = selection["selected"]
    if name == run_checkpoints(run)[-1].name:
        chosen = last
    elif name == "iter_000000" and "copy" in out:
        chosen = out["copy"]  # the copy, measured on the same seeds already
    else:
        chosen = policy_cell(checkpoint_path(run, name), run / "evaluation_selected", seed, episodes)
    return out | chosen | {"checkpoint": selection, "last_checkpoint": last}


def copy_cell(run: str | Path, seed: int = EVAL_SEED, episodes: int = EVAL_EPISODES) -> dict[str, Any]:
    """The copy a warm-started run began from (``checkpoints/iter_000000``: imitation and DAgger rounds, no PPO update
    yet) on the evaluation seeds — beside the trained policy it shows what PPO added to the copy, or took away."""
    start = checkpoint_path(Path(run), 0)
    if not start.is_dir():
        raise ConfigError(
            f"{start} is missing: a warm-started run keeps its copy there (was {run} trained with --imitate?)."
        )
    return policy_cell(start, Path(run) / "evaluation_copy", seed, episodes)


def as_json(setup: dict[str, Any]) -> dict[str, Any]:
    """``setup`` as the JSON file holds it (tuples become lists), so a set-up read back compares equal."""
    return json.loads(json.dumps(setup))


def with_seed(
    per_seed: Sequence[dict[str, Any]], cell: dict[str, Any]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The training seeds' cells once ``cell`` is in, and those it displaces (its seed trained before, and every seed
    trained with another set-up — a mean over training seeds is over one set-up), for ``trained_earlier``."""
    moved = [c for c in per_seed if c["training_seed"] == cell["training_seed"] or c.get("setup") != cell["setup"]]
    return [c for c in per_seed if c not in moved] + [cell], moved


def trained_elsewhere(entry: dict[str, Any], runs: Path) -> Optional[dict[str, Any]]:
    """The scenario's trained policies (trained on our SUMO) evaluated through TraCI on the SUMO installation
    SUMO_HOME points at, on the same seeds; None when it has none or their runs are not on this machine."""
    trained = entry.get("trained")
    if trained is None or not all(Path(cell["run"]).is_dir() for cell in trained["per_seed"]):
        return None
    per_seed = []
    for cell in trained["per_seed"]:
        policy = (
            checkpoint_path(Path(cell["run"]), cell["checkpoint"]["selected"]) if "checkpoint" in cell else cell["run"]
        )
        per_seed.append({**cell, **policy_cell(policy, runs / f"trained_seed{cell['training_seed']}", backend="traci")})
    return {**trained, "resco_delay": _over_training_seeds(per_seed), "per_seed": per_seed}


def _over_training_seeds(per_seed: Sequence[dict[str, Any]]) -> dict[str, float]:
    """Mean over training seeds of each seed's mean; std over evaluation episodes (one training seed) or over the
    training seeds' means (several)."""
    means = [cell["resco_delay"]["mean"] for cell in per_seed]
    std = per_seed[0]["resco_delay"]["std"] if len(per_seed) == 1 else statistics.pstdev(means)
    return {"mean": statistics.fmean(means), "std": std}


NAMED_SETTINGS = ("observation", "reward", "action_mode", "change_cost")  # each named in the tables their own way


def other_settings(setup: dict[str, Any]) -> dict[str, Any]:
    """The env and training settings of ``setup`` that differ from the common set-up's (beyond those the tables
    name their own way), e.g. ``{"reward_scale": 0.01, "vf_clip_param": 10000}``."""
    changed = {}
    for part in ("env", "training"):
        common = TRAINING_SETUP[part]
        changed.update({k: v for k, v in setup[part].items() if k not in NAMED_SETTINGS and common.get(k) != v})
    return changed


def trained_summary(per_seed: Sequence[dict[str, Any]], setup: dict[str, Any]) -> dict[str, Any]:
    """The trained entry: the delay over training seeds (``_over_training_seeds``) and how they were trained."""
    return {
        "resco_delay": _over_training_seeds(per_seed),
        "algorithm": setup["algorithm"],
        "policies": setup["policies"],
        "observation": setup["env"]["observation"],
        "reward": setup["env"]["reward"],
        "action_mode": setup["env"].get("action_mode", "phase"),
        "change_cost": setup["env"].get("change_cost", 0.0),
        "imitate": setup.get("imitate"),
        "imitate_rounds": setup.get("imitate_rounds", 0),
        **({"copy": _over_training_seeds([c["copy"] for c in per_seed])} if all("copy" in c for c in per_seed) else {}),
        **(
            {
                "selection": {
                    "episodes": setup["select_episodes"],
                    "seeds": per_seed[0]["checkpoint"]["seeds"],
                    "selected": [c["checkpoint"]["selected"] for c in per_seed],
                    "last_checkpoint": _over_training_seeds([c["last_checkpoint"] for c in per_seed]),
                }
            }
            if setup.get("select_episodes") and all("checkpoint" in c for c in per_seed)
            else {}
        ),
        "other_settings": other_settings(setup),
        "training_minutes": [c["training_minutes"] for c in per_seed],
        "env_steps": [c["env_steps"] for c in per_seed],
        "training_seeds": [c["training_seed"] for c in per_seed],
        "per_seed": list(per_seed),
    }


def measured_again(
    per_seed: Sequence[dict[str, Any]], setup: dict[str, Any], log: Any = print
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The training seeds' cells, those whose run was trained as ``setup`` trains (``same_training``) but measured
    otherwise — their copy not evaluated, or their checkpoint chosen otherwise — measured again (``held_out_cell``;
    no training), and the cells so replaced whose figure changed (for ``trained_earlier``: nothing measured is
    dropped). Cells whose run folder is not on this machine are left as they are."""
    out, replaced = [], []
    for cell in per_seed:
        lacks_copy = setup.get("imitate") and "copy" not in cell
        if (
            same_training(cell.get("setup"), setup)
            and (lacks_copy or cell.get("setup") != as_json(setup))
            and Path(cell["run"]).is_dir()
        ):
            log(f"  seed {cell['training_seed']}: measuring {cell['run']} again (no training)")
            again = held_out_cell(cell, setup, log=log)
            replaced += [cell] if again["resco_delay"] != cell["resco_delay"] else []
            cell = again
        out.append(cell)
    return out, replaced


def baselines_for(protocol: str) -> tuple[str, ...]:
    """The baselines run under ``protocol``: RESCO's counterparts under ``resco``, SUMO's actuated too elsewhere."""
    return BASELINES if protocol == "resco" else SAFE_BASELINES


def run_benchmark(
    scenarios: Sequence[str],
    protocol: str,
    results_path: Path,
    runs: Path,
    baselines: Optional[Sequence[str]] = None,
    minutes: Optional[float] = None,
    seeds: Sequence[int] = (0,),
    setup: Optional[dict[str, Any]] = None,
    num_env_runners: int = 2,
    log: Any = print,
    other_sumo: Optional[str] = None,
    retrain: bool = False,
    resume: Optional[Path] = None,
    imitate: Optional[str] = None,
    changes: Optional[dict[str, Any]] = None,
    imitate_rounds: int = 0,
    select_episodes: int = 0,
) -> dict[str, Any]:
    """Run every missing cell (baselines, then a training per seed when ``minutes`` is given), saving after each.

    ``retrain``: train the given seeds again even where they have a result (e.g. with a larger budget); the earlier
    result moves to ``entry["trained_earlier"]`` once the new one is in, so nothing measured is dropped.

    ``other_sumo``: a label such as ``"sumo 1.9.1"`` when SUMO_HOME points at another SUMO installation: the
    baselines, and the trained policies whose runs are on this machine (again when they were retrained), then run
    through TraCI on it and go under ``entry[other_sumo]`` (no training).

    ``imitate``: every training starts as a copy of that controller (checked for every scenario before anything runs);
    a seed trained without it is another set-up, so it is trained again and the earlier result kept;
    ``imitate_rounds``: DAgger rounds refining that copy (``flowlights train --imitate-rounds``), likewise.

    ``changes``: applied over each scenario's own set-up (``changed_setup``); likewise another set-up. Every
    scenario's set-up is checked (``check_setups``) before anything runs.

    ``select_episodes``: each run's checkpoint is chosen on that many validation episodes (``select_checkpoint``);
    runs already trained with the same set-up otherwise are given the choice without training again
    (``measured_again``), and so are they when it is dropped (their last checkpoint again)."""
    baselines = baselines_for(protocol) if baselines is None else baselines
    if minutes is not None and not other_sumo:
        check_setups(scenarios, protocol, setup, imitate, changes, imitate_rounds, select_episodes)
    results = load_results(results_path)
    started = time.time()
    for scenario in scenarios:
        entry = results.setdefault(scenario, {})
        entry["resco_published"] = dict(PUBLISHED[scenario])
        cells = entry.setdefault(other_sumo, {}) if other_sumo else entry
        for controller in baselines:
            if controller in cells:
                continue
            cells[controller] = baseline_cell(
                scenario,
                controller,
                protocol,
                runs / (other_sumo or "").replace(" ", "_"),
                backend="traci" if other_sumo else "libsumo",
            )
            save_entry(results, scenario, results_path)
            log(
                f"{scenario:13s} {controller:13s} resco_delay {cells[controller]['resco_delay']['mean']:8.2f} "
                f"{other_sumo or ''} ({time.time() - started:.0f} s)"
            )
        if other_sumo:
            done = cells.get("trained", {}).get("per_seed", [])
            if [c["run"] for c in done] != [c["run"] for c in entry.get("trained", {}).get("per_seed", [])] and (
                there := trained_elsewhere(entry, runs / other_sumo.replace(" ", "_") / scenario)
            ):
                cells["trained"] = there
                save_entry(results, scenario, results_path)
                log(
                    f"{scenario:13s} trained        resco_delay {there['resco_delay']['mean']:8.2f} {other_sumo} "
                    f"({time.time() - started:.0f} s)"
                )
            continue
        if minutes is None:
            continue
        own_setup = setup_for(scenario, setup, imitate, changes, imitate_rounds, select_episodes)
        per_seed = list(entry.get("trained", {}).get("per_seed", []))
        updated, replaced = measured_again(per_seed, own_setup, log) if not retrain else (per_seed, [])
        if updated != per_seed:  # runs trained before copies were evaluated, or their checkpoint chosen otherwise
            per_seed = updated
            entry.setdefault("trained_earlier", []).extend(replaced)
            entry["trained"] = trained_summary(per_seed, own_setup)
            save_entry(results, scenario, results_path)
            log(
                f"{scenario:13s} trained (seeds {[c['training_seed'] for c in per_seed]}) measured again without training: "
                f"resco_delay {entry['trained']['resco_delay']['mean']:8.2f}"
            )
        for seed in seeds:
            before = next((cell for cell in per_seed if cell["training_seed"] == seed), None)
            if before is not None and before.get("setup") == as_json(own_setup) and not retrain:
                continue  # trained with this set-up already (one trained with another is trained again)
            log(f"{scenario:13s} training seed {seed} for {minutes:g} min ...")
            cell = trained_cell(scenario, protocol, seed, minutes, runs, own_setup, num_env_runners, resume=resume)
            per_seed, moved = with_seed(per_seed, cell)
            if any(c["training_seed"] != seed for c in moved):
                log(
                    f"{scenario:13s} seeds {sorted({c['training_seed'] for c in moved} - {seed})} were trained with another "
                    "set-up: moved to trained_earlier (train them again to average them with this one)"
                )
            entry.setdefault("trained_earlier", []).extend(moved)
            entry["trained"] = trained_summary(per_seed, own_setup)
            save_entry(results, scenario, results_path)
            log(
                f"{scenario:13s} trained (seed {seed}) resco_delay {per_seed[-1]['resco_delay']['mean']:8.2f} "
                f"({time.time() - started:.0f} s)"
            )
    return results


def _cell(entry: dict[str, Any], name: str) -> str:
    cell = entry.get(name)
    return "–" if cell is None else f"{cell['resco_delay']['mean']:.2f} ± {cell['resco_delay']['std']:.2f}"


def _versus(ours: Optional[float], reference: float) -> str:
    return "–" if ours is None else f"{100 * (ours / reference - 1):+.1f}%"


def baselines_table(results: dict[str, Any], protocol: str, other_sumo: Optional[str] = None) -> str:
    """Our baselines beside RESCO's published ones (same delay definition); ``other_sumo``: the cells run
    on that SUMO installation instead of ours."""
    lines = [
        f"Protocol `{protocol}`; {other_sumo or 'SUMO 1.28 (ours)'}; resco_delay in s, mean ± std over evaluation seeds "
        f"{EVAL_SEED}..{EVAL_SEED + EVAL_EPISODES - 1}; RESCO: mean of its recorded episodes.",
        "",
        "| scenario | our greedy | RESCO MAXWAVE | diff | our max_pressure | RESCO MAXPRESSURE | diff | our program | RESCO FIXED | diff |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for scenario, full in results.items():
        entry = full.get(other_sumo, {}) if other_sumo else full
        if other_sumo and not entry:
            continue
        cells = []
        for resco_name in ("MAXWAVE", "MAXPRESSURE", "FIXED"):
            ours = entry.get(OUR_NAME[resco_name])
            ref = PUBLISHED[scenario].get(resco_name)
            mean = ours["resco_delay"]["mean"] if ours else None
            cells += [
                _cell(entry, OUR_NAME[resco_name]),
                f"{ref:.2f}" if ref else "–",
                _versus(mean, ref) if ref else "–",
            ]
        lines.append(f"| {scenario} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def learned_table(results: dict[str, Any], protocol: str, other_sumo: Optional[str] = None) -> str:
    """Our trained policies beside RESCO's MAXPRESSURE, its MAXWAVE and its best learner (their best episode);
    ``other_sumo``: the policies (trained on our SUMO) and our baselines evaluated on that SUMO installation instead.
    Both classical figures are shown because which of the two is max-pressure is read differently by
    ../shared/scenarios/resco/README.md and by RESCO's own run names (resco_reference.py says why we follow the latter);
    beating both holds whichever reading is right."""
    where = f"evaluated on {other_sumo} through TraCI (trained on SUMO 1.28)" if other_sumo else "SUMO 1.28"
    lines = [
        f"Protocol `{protocol}`; {where}; resco_delay in s. Ours: greedy policy, mean ± std over evaluation seeds "
        f"{EVAL_SEED}..{EVAL_SEED + EVAL_EPISODES - 1} (mean over training seeds where several). RESCO's learners: "
        "their best episode.",
        "",
        "| scenario | ours trained | training | RESCO MAXPRESSURE | beats it | RESCO MAXWAVE | beats it | RESCO best learner "
        "| beats it | our max_pressure | our greedy |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for scenario, full in results.items():
        entry = full.get(other_sumo, {}) if other_sumo else full
        if other_sumo and "trained" not in entry:
            continue
        trained = entry.get("trained")
        name, best = best_learner(scenario)
        mean = trained["resco_delay"]["mean"] if trained else None
        bars = ((PUBLISHED[scenario]["MAXPRESSURE"], ""), (PUBLISHED[scenario]["MAXWAVE"], ""), (best, f" ({name})"))
        beats = " | ".join(
            f"{bar:.2f}{label} | {'–' if mean is None else 'yes' if mean < bar else 'no'}" for bar, label in bars
        )
        trained_cells = f"{_cell(entry, 'trained')} | {_training(trained)}" if trained else "– | –"
        lines.append(
            f"| {scenario} | {trained_cells} | {beats} | {_cell(entry, 'max_pressure')} | {_cell(entry, 'greedy')} |"
        )
    return "\n".join(lines)


def _training(trained: dict[str, Any]) -> str:
    switch = ", keep/switch" if trained.get("action_mode", "phase") == "switch" else ""
    switch += f", change cost {trained['change_cost']:g}" if trained.get("change_cost") else ""
    switch += f", started as a copy of {trained['imitate']}" if trained.get("imitate") else ""
    switch += f" refined by {trained['imitate_rounds']} DAgger rounds" if trained.get("imitate_rounds") else ""
    switch += f" (the copy alone: {trained['copy']['mean']:.2f})" if trained.get("copy") else ""
    if chosen := trained.get("selection"):
        seeds = chosen["seeds"]
        switch += (
            f", checkpoint chosen on validation seeds {seeds[0]}..{seeds[-1]}: {', '.join(chosen['selected'])} "
            f"(the last one: {chosen['last_checkpoint']['mean']:.2f})"
        )
    if trained.get("reward", TRAINING_SETUP["env"]["reward"]) != TRAINING_SETUP["env"]["reward"]:
        switch += f", {trained['reward']} reward"
    seen = [name for name in trained.get("observation", ()) if name not in TRAINING_SETUP["env"]["observation"]]
    switch += f", + {' + '.join(seen)} observed" if seen else ""
    switch += "".join(
        f", {key} {value:g}" if isinstance(value, float) else f", {key} {value}"
        for key, value in trained.get("other_settings", {}).items()
    )
    return (
        f"{trained['algorithm']} {trained['policies']}{switch}, {len(trained['training_seeds'])} seed(s), "
        f"{statistics.fmean(trained['training_minutes']):.0f} min, {statistics.fmean(trained['env_steps']):.0f} steps"
    )


def learned_vs_ours_table(results: dict[str, Any], protocol: str) -> str:
    """Our trained policies beside our own baselines under one of our protocols (RESCO published nothing under
    it): does the learner beat max_pressure and actuated?"""
    lines = [
        f"Protocol `{protocol}`; resco_delay in s; greedy trained policy and baselines, mean ± std over evaluation "
        f"seeds {EVAL_SEED}..{EVAL_SEED + EVAL_EPISODES - 1} (trained: mean over training seeds where several).",
        "",
        "| scenario | ours trained | training | our max_pressure | beats it | our actuated | beats it | our greedy | "
        "our max_pressure_gap | our program | our fixed |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for scenario, entry in results.items():
        trained = entry.get("trained")
        mean = trained["resco_delay"]["mean"] if trained else None
        beats = []
        for name in ("max_pressure", "actuated"):
            cell = entry.get(name)
            beats += [
                _cell(entry, name),
                "–" if mean is None or cell is None else ("yes" if mean < cell["resco_delay"]["mean"] else "no"),
            ]
        lines.append(
            f"| {scenario} | {_cell(entry, 'trained')} | {_training(trained) if trained else '–'} | "
            + " | ".join(beats)
            + f" | {_cell(entry, 'greedy')} | {_cell(entry, 'max_pressure_gap')} | {_cell(entry, 'program')} | "
            f"{_cell(entry, 'fixed')} |"
        )
    return "\n".join(lines)


__all__ = [
    "BASELINES",
    "LEARNERS",
    "held_out_cell",
    "measured_again",
    "same_training",
    "SAFE_BASELINES",
    "SCENARIO_SETUPS",
    "TRAINING_SETUP",
    "baselines_for",
    "baselines_table",
    "learned_table",
    "learned_vs_ours_table",
    "run_benchmark",
    "setup_for",
    "changed_setup",
    "check_setups",
]
