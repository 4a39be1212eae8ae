"""``flowlights train``: one RLlib run, top to bottom.

1. load the experiment, 2. register its env, 3. build (or restore) the algorithm,
4. train with a progress bar, writing progress.csv and checkpoints, 5. draw the learning
curve. The results folder holds params.json, so the run can be replayed and evaluated.
"""

from __future__ import annotations

import contextlib
import csv
import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Optional

from flowlights.baselines.base import CONTROLLERS
from flowlights.common.progress import Progress
from flowlights.errors import ConfigError
from flowlights.flow.training.classes import is_flow_env
from flowlights.sim.statistics import TRAINING_METRICS
from flowlights.training.checkpoints import checkpoint_path, latest_checkpoint, results_dir_of
from flowlights.training.create_env import make_create_env
from flowlights.training.env_kwargs import env_kwargs
from flowlights.training.experiment import Experiment, load_experiment
from flowlights.training.imitation import warm_start
from flowlights.training.ray_session import ray_session
from flowlights.training.rllib_config import ALGORITHMS, build_config
from flowlights.training.trust import mark_trusted
from flowlights.viz.plots import plot_learning_curve

MIN_RL_MINUTES = 0.5  # with a deadline already passed by imitation, RL still trains this long

PROGRESS_FIELDS = [
    "iteration",
    "env_steps",
    "wall_seconds",
    "episode_return_mean",
    "episodes",
    *TRAINING_METRICS,
    "env_runner_restarts",
]


@dataclass
class TrainSettings:
    """How long and how to train; ``flowlights train``'s options are made from these fields and their help."""

    iterations: Optional[int] = field(
        default=None, metadata={"help": "training iterations (default 10 when no budget is given)"}
    )
    timesteps: Optional[int] = field(default=None, metadata={"help": "train until this many environment steps"})
    minutes: Optional[float] = field(default=None, metadata={"help": "train for this many wall-clock minutes"})
    num_env_runners: int = field(
        default=2,
        metadata={
            "help": "processes sampling in parallel, one SUMO each; 2 keeps "
            "both cores of a 2-core machine busy (0: sample in the driver)"
        },
    )
    checkpoint_freq: int = field(
        default=10, metadata={"help": "save every N iterations (0: only at the end); always at the end"}
    )
    seed: int = field(default=0, metadata={"help": "seed of RLlib and of the first SUMO episode"})
    algorithm: str = field(default="PPO", metadata={"help": "RLlib algorithm", "choices": ALGORITHMS})
    ray_address: Optional[str] = field(
        default=None, metadata={"help": "join this Ray cluster (default: a local one sized to this machine)"}
    )
    rollouts: Optional[int] = field(
        default=None,
        metadata={"help": "whole episodes per training batch (default: the experiment's train_batch_size_per_learner)"},
    )
    batch_steps: Optional[int] = field(
        default=None,
        metadata={
            "help": "environment steps per training batch (Flow's --rollout_size; default: the experiment's "
            "train_batch_size_per_learner)"
        },
    )
    imitate: Optional[str] = field(
        default=None,
        metadata={
            "help": "first train the policies to copy this controller (e.g. "
            "greedy, max_pressure: behaviour cloning), then PPO improves on it"
        },
    )
    imitate_episodes: int = field(default=3, metadata={"help": "episodes of the --imitate controller to copy"})
    imitate_steps: int = field(
        default=3000, metadata={"help": "gradient steps (batches of 256 decisions) fitting the policies to them"}
    )
    imitate_rounds: int = field(
        default=0,
        metadata={
            "help": "then this many DAgger rounds: the copy drives an episode, the "
            "controller labels the states it reaches, the copy is fitted again"
        },
    )
    imitate_minutes: Optional[float] = field(
        default=None,
        metadata={"help": "begin no DAgger round once imitation has taken this many minutes (default: no limit)"},
    )
    imitate_smoothing: float = field(
        default=0.0,
        metadata={
            "help": "label smoothing of the copy (e.g. 0.1): it still "
            "chooses as the controller, but PPO sampling from it "
            "explores (default 0)"
        },
    )
    imitate_until: Optional[float] = field(
        default=None,
        metadata={
            "help": "stop the DAgger rounds once the copy, driving, agrees with the controller on this share of "
            "its decisions two rounds running (e.g. 0.99; default: all rounds)"
        },
    )
    checkpoint_minutes: Optional[float] = field(
        default=None, metadata={"help": "also save a checkpoint every this many minutes of training"}
    )

    def __post_init__(self) -> None:
        if self.iterations is None and self.timesteps is None and self.minutes is None:
            self.iterations = 10
        for name in ("iterations", "timesteps", "minutes"):
            value = getattr(self, name)
            if value is not None and value <= 0:
                raise ConfigError(f"--{name}={value!r} must be > 0.")
        for name in ("imitate_minutes", "checkpoint_minutes"):
            value = getattr(self, name)
            if value is not None and value <= 0:
                raise ConfigError(f"--{name.replace('_', '-')}={value!r} must be > 0 (or left out).")
        if self.num_env_runners < 0 or self.checkpoint_freq < 0:
            raise ConfigError("--num-env-runners and --checkpoint-freq must be >= 0.")
        if self.batch_steps is not None and self.batch_steps < 1:
            raise ConfigError(
                f"--batch-steps={self.batch_steps!r} must be >= 1 (environment steps per training batch)."
            )
        if self.rollouts is not None and self.batch_steps is not None:
            raise ConfigError(
                "--rollouts (episodes per batch) and --batch-steps (steps per batch) both set the batch: give one."
            )
        if self.rollouts is not None and self.rollouts < 1:
            raise ConfigError(f"--rollouts={self.rollouts!r} must be >= 1 (episodes per training batch).")
        if self.imitate_episodes < 1 or self.imitate_steps < 1:
            raise ConfigError(
                f"--imitate-episodes={self.imitate_episodes!r} and --imitate-steps={self.imitate_steps!r} must be >= 1."
            )
        if self.imitate_until is not None and not 0.0 < self.imitate_until <= 1.0:
            raise ConfigError(f"--imitate-until={self.imitate_until!r} must be in (0, 1] (a share of decisions).")
        if not 0.0 <= self.imitate_smoothing < 1.0:
            raise ConfigError(f"--imitate-smoothing={self.imitate_smoothing!r} must be in [0, 1).")
        if self.imitate_rounds < 0 or (self.imitate_rounds and self.imitate is None):
            raise ConfigError(
                f"--imitate-rounds={self.imitate_rounds!r}: DAgger rounds refine a copy, so give --imitate "
                "CONTROLLER with it (and a count >= 0)."
            )
        if self.imitate is not None:
            CONTROLLERS.get_or_fail(self.imitate)  # a wrong name fails before Ray starts


def _row(iteration: int, result: dict[str, Any], started: float, earlier_seconds: float = 0.0) -> dict[str, Any]:
    """One progress.csv row; ``wall_seconds`` counts the whole run (``earlier_seconds``: before a resume)."""
    runners = result.get("env_runners", {})
    steps = result.get("num_env_steps_sampled_lifetime", runners.get("num_env_steps_sampled_lifetime", 0))
    row = {
        "iteration": iteration,
        "env_steps": int(steps),
        "wall_seconds": round(earlier_seconds + time.time() - started, 1),
        "episode_return_mean": runners.get("episode_return_mean"),
        "episodes": runners.get("num_episodes_lifetime"),
    }
    for key in TRAINING_METRICS:
        row[key] = runners.get(f"flowlights/{key}")
    return row


def last_progress(run_dir: Path) -> dict[str, Any]:
    """The last row of a run's progress.csv, by column name (env_steps, wall_seconds, ...)."""
    with open(Path(run_dir) / "progress.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    if not rows:
        raise ConfigError(f"{Path(run_dir) / 'progress.csv'} has no iteration yet; train longer or give another run.")
    return rows[-1]


def _restarts(algo: Any) -> int:
    """Env runners RLlib has re-created so far (a killed runner or a crashed SUMO)."""
    group = getattr(algo, "env_runner_group", None)
    return int(group.num_remote_worker_restarts()) if group is not None else 0


def _fmt(value: Any) -> str:
    return "-" if value is None else f"{value:.1f}"


def train(
    experiment: Experiment | str | Path | None,
    settings: TrainSettings,
    out: Path = Path("results"),
    resume: Optional[Path] = None,
    progress: bool = True,
    protocol: Optional[str] = None,
    deadline: Optional[float] = None,
    checkpoints: int = 0,
) -> Path:
    """Train; return the results folder (params.json, progress.csv, checkpoints/, learning_curve.png, timing.json).
    ``protocol``: run the experiment under this protocol (see ``flowlights.params.protocols``). ``deadline`` (a
    ``time.time()``): RL trains until then, whatever imitation left of the time (``settings.minutes`` is set to it),
    saving ``checkpoints`` checkpoints at even intervals."""
    started = time.time()
    checkpoint = latest_checkpoint(resume) if resume else None
    if experiment is None:
        if checkpoint is None:
            raise ConfigError("give an experiment config (EXP_CONFIG) or --resume DIR.")
        experiment = results_dir_of(checkpoint)
    if not isinstance(experiment, Experiment):
        experiment = load_experiment(experiment)
    experiment.set_protocol(protocol)
    if checkpoint is not None:
        run_dir = results_dir_of(checkpoint)
    else:
        run_dir = (Path(out) / f"{experiment.exp_tag}_{time.strftime('%Y%m%d-%H%M%S')}").resolve()
        run_dir.mkdir(parents=True, exist_ok=False)
        params = experiment.to_dict()
        params["train_settings"] = settings.__dict__
        (run_dir / "params.json").write_text(json.dumps(params, indent=2, default=str))
        mark_trusted(run_dir)  # this machine wrote it: loading its checkpoints later needs no --trust-code

    with algorithm(experiment, settings, checkpoint) as algo:
        if settings.imitate and checkpoint is None:  # a resumed run imitated when it started
            _imitate(algo, experiment, settings, run_dir, progress)
        rl_started = time.time()
        if deadline is not None:
            settings.iterations, settings.timesteps = None, None
            settings.minutes = max((deadline - rl_started) / 60, MIN_RL_MINUTES)
            if checkpoints:
                settings.checkpoint_minutes = settings.minutes / checkpoints
        _loop(algo, settings, run_dir, progress)
    timing = {"started": started, "rl_started": rl_started, "finished": time.time()}
    (run_dir / "timing.json").write_text(json.dumps(timing))
    plot_learning_curve(run_dir)
    return run_dir


@contextlib.contextmanager
def algorithm(experiment: Experiment, settings: TrainSettings, checkpoint: Optional[Path] = None) -> Iterator[Any]:
    """The RLlib algorithm for ``experiment`` (restored from ``checkpoint`` if given), inside a Ray
    session; stopped, and Ray shut down, on exit."""
    from ray.rllib.algorithms.algorithm import Algorithm  # optional: ray (rllib extra)
    from ray.tune.registry import register_env  # optional: ray (rllib extra)

    from flowlights.envs.rllib_env import FlowRLlibEnv  # optional: ray (rllib extra), which rllib_env imports

    create_env, env_name = make_create_env(experiment)
    probe = create_env()
    if settings.rollouts:  # whole episodes: rollouts x the decisions of one episode
        experiment.training["train_batch_size_per_learner"] = settings.rollouts * probe.decisions_per_episode()
    if settings.batch_steps:  # Flow's --rollout_size: steps per batch
        experiment.training["train_batch_size_per_learner"] = settings.batch_steps
    try:
        view = probe if isinstance(probe, FlowRLlibEnv) else probe.env  # what policies are checked against
        config = build_config(experiment, env_name, view, settings.algorithm, settings.num_env_runners, settings.seed)
    finally:
        probe.close()
    with ray_session(settings.ray_address):
        register_env(env_name, create_env)
        algo = Algorithm.from_checkpoint(str(checkpoint)) if checkpoint else config.build_algo()
        try:
            yield algo
        finally:
            algo.stop()


def _imitate(algo: Any, experiment: Experiment, settings: TrainSettings, run_dir: Path, progress: bool) -> None:
    """Warm start (``--imitate``): the policies copy the controller first (``flowlights.training.imitation``)."""
    if is_flow_env(experiment.flow_params):
        raise ConfigError(
            f"--imitate runs a flowlights controller on the experiment's env; {experiment.flow_params['env_name']!r} "
            "is a Flow env class, whose observations and actions the controllers do not know."
        )
    deadline = time.time() + 60 * settings.imitate_minutes if settings.imitate_minutes else None
    summary = warm_start(
        algo,
        env_kwargs(experiment.flow_params),
        settings.imitate,
        settings.imitate_episodes,
        settings.imitate_steps,
        run_dir,
        progress,
        settings.seed,
        settings.imitate_rounds,
        deadline,
        settings.imitate_smoothing,
        settings.imitate_until,
    )
    algo.save_to_path(str(checkpoint_path(run_dir, algo.iteration)))  # the copy itself, before RL: evaluate it
    for pid, fit in summary["policies"].items():
        print(
            f"imitated {settings.imitate}: policy {pid} agrees with {fit['agreement']:.1%} of its {fit['decisions']} "
            f"decisions; values explain {fit['value_explained_variance']:.1%} of the returns' variance",
            file=sys.stderr,
            flush=True,
        )


def _loop(algo: Any, settings: TrainSettings, run_dir: Path, progress: bool) -> None:
    """Train until the budget is spent; on Ctrl-C (KeyboardInterrupt) save a checkpoint first, then re-raise."""
    started = time.time()
    csv_path = run_dir / "progress.csv"
    fields = csv_path.read_text().splitlines()[0].split(",") if csv_path.is_file() else PROGRESS_FIELDS
    new_file = not csv_path.is_file()
    first = algo.iteration
    earlier = 0.0 if new_file else _resume_progress(csv_path, first)
    total = settings.iterations or settings.timesteps or (settings.minutes or 0) * 60
    saved_at = started
    try:
        with open(csv_path, "a", newline="") as fh, Progress(total, "training") as bar:
            writer = csv.DictWriter(fh, fieldnames=fields, extrasaction="ignore")
            if new_file:
                writer.writeheader()
            while True:
                result = algo.train()
                row = _row(algo.iteration, result, started, earlier)
                row["env_runner_restarts"] = _restarts(algo)
                writer.writerow(row)
                fh.flush()
                done_iters = algo.iteration - first
                every_minutes = (
                    settings.checkpoint_minutes and time.time() - saved_at >= 60 * settings.checkpoint_minutes
                )
                if (settings.checkpoint_freq and done_iters % settings.checkpoint_freq == 0) or every_minutes:
                    algo.save_to_path(str(checkpoint_path(run_dir, algo.iteration)))
                    saved_at = time.time()
                if progress:
                    done = (
                        done_iters
                        if settings.iterations
                        else row["env_steps"]
                        if settings.timesteps
                        else time.time() - started
                    )
                    restarts = (
                        f" env runners restarted {row['env_runner_restarts']}" if row["env_runner_restarts"] else ""
                    )
                    bar.update(
                        done,
                        f"iter {algo.iteration} steps {row['env_steps']} return {_fmt(row['episode_return_mean'])} "
                        f"delay {_fmt(row['mean_delay'])} s left {_fmt(row['in_network'])}{restarts}",
                    )
                if (
                    (settings.iterations and done_iters >= settings.iterations)
                    or (settings.timesteps and row["env_steps"] >= settings.timesteps)
                    or (settings.minutes and time.time() - started >= settings.minutes * 60)
                ):
                    break
    except KeyboardInterrupt:
        final = _save_final(algo, run_dir)
        print(
            f"\ninterrupted at iteration {algo.iteration}: saved {final}; continue with --resume {run_dir}",
            file=sys.stderr,
            flush=True,
        )
        raise
    _save_final(algo, run_dir)


def _resume_progress(csv_path: Path, iteration: int) -> float:
    """Resuming from the checkpoint of ``iteration``: rows of later iterations (training the checkpoint does not
    hold, lost when the run stopped) are dropped from progress.csv, with a note; returns the wall seconds the run
    had trained at ``iteration``, so that ``wall_seconds`` (and training_minutes) count all of its training."""
    with open(csv_path, newline="") as fh:
        reader = csv.DictReader(fh)
        fields, rows = reader.fieldnames or PROGRESS_FIELDS, list(reader)
    kept = [r for r in rows if r.get("iteration", "").isdigit() and int(r["iteration"]) <= iteration]
    if len(kept) < len(rows):
        print(
            f"resuming at iteration {iteration}: progress.csv rows of iterations {int(kept[-1]['iteration']) + 1 if kept else 1}"
            f"..{rows[-1].get('iteration')} (not in the checkpoint) dropped",
            file=sys.stderr,
            flush=True,
        )
        with open(csv_path, "w", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=fields)
            writer.writeheader()
            writer.writerows(kept)
    return float(kept[-1]["wall_seconds"]) if kept and kept[-1].get("wall_seconds") else 0.0


def _save_final(algo: Any, run_dir: Path) -> Path:
    final = checkpoint_path(run_dir, algo.iteration)
    if not final.exists():
        algo.save_to_path(str(final))
    return final
