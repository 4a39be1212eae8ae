"""Many evaluation episodes over several processes: one SUMO per process (libsumo runs one simulation per
process), the episodes of every controller and seed shared out among ``workers`` (the machine's cores).

Each worker is ``python -m flowlights.evaluation.parallel TASKS.json RESULTS.json``, a fresh interpreter: unlike
multiprocessing's spawn it never re-runs the caller's script (a user's script without ``if __name__ ==
"__main__"`` stays safe), and unlike fork it inherits no Ray or torch threads. A worker runs each episode in a child
forked for it, so every episode starts a libsumo that has never run before in its process: an episode's figures
depend on its controller and seed alone, whichever worker ran it and after which other episodes."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional, Sequence

from flowlights.errors import ConfigError
from flowlights.evaluation.evaluate import evaluate, summarise, write_report
from flowlights.training.trained_policy import TrainedPolicy


@dataclass(frozen=True)
class Job:
    """One controller on one scenario: ``controller`` a baseline's name, or ``checkpoint`` a trained policy (a run
    folder or checkpoint folder, evaluated on its own scenario and settings). ``deadline`` (a ``time.time()``): its
    episodes not begun by then are skipped, and the job is left out of ``run_jobs``' reports."""

    name: str
    controller: Optional[str] = None
    checkpoint: Optional[str] = None
    scenario: Optional[str] = None
    env_kwargs: dict[str, Any] = field(default_factory=dict)
    deadline: Optional[float] = None


def default_workers() -> int:
    return max(1, min(2, os.cpu_count() or 1))


def _episode(job: Job, seed: int) -> dict[str, Any]:
    """One episode; a baseline that cannot run here (a ConfigError, or any failure on this network) gives
    ``{"error": message}`` instead; a trained policy's failure is raised. Past the job's deadline:
    ``{"skipped": "deadline"}``."""
    if job.deadline is not None and time.time() > job.deadline:
        return {"skipped": "deadline"}
    if job.checkpoint is not None:
        controller: Any = TrainedPolicy(job.checkpoint)
    else:
        controller = job.controller
    started = time.time()
    try:
        report = evaluate(
            job.scenario, controller, episodes=1, seed=seed, progress=False, isolate=True, **job.env_kwargs
        )
    except ConfigError as error:
        return {"error": str(error)}
    except Exception as error:  # noqa: BLE001 - a baseline that fails on this network is left out, named
        if job.checkpoint is not None:
            raise  # a trained policy that fails is the run's failure, not a controller to leave out
        return {"error": f"{type(error).__name__}: {error}"}
    return {**report["episodes"][0], "wall_seconds": round(time.time() - started, 2)}


def _in_workers(tasks: list[tuple[Job, int]], workers: int) -> list[dict[str, Any]]:
    """The tasks shared out (task k to worker k mod ``workers``), each worker a fresh process; results in task order."""
    results: list[Any] = [None] * len(tasks)
    with tempfile.TemporaryDirectory() as tmp:
        running = []
        for w in range(workers):
            mine = list(range(w, len(tasks), workers))
            if not mine:
                continue
            inbox, outbox = Path(tmp) / f"tasks{w}.json", Path(tmp) / f"results{w}.json"
            inbox.write_text(json.dumps([[dataclasses.asdict(tasks[k][0]), tasks[k][1]] for k in mine]))
            process = subprocess.Popen(
                [sys.executable, "-m", "flowlights.evaluation.parallel", str(inbox), str(outbox)],
                stderr=subprocess.PIPE,
                text=True,
            )
            running.append((mine, process, outbox))
        for mine, process, outbox in running:
            _, err = process.communicate()
            if process.returncode != 0:
                raise RuntimeError(f"an evaluation worker failed (exit {process.returncode}):\n{err[-3000:]}")
            for k, result in zip(mine, json.loads(outbox.read_text())):
                results[k] = result
    return results


def _worker(inbox: Path, outbox: Path) -> None:
    tasks = json.loads(Path(inbox).read_text())
    Path(outbox).write_text(json.dumps([_episode(Job(**job), seed) for job, seed in tasks]))


def run_jobs(
    jobs: Sequence[Job],
    seeds: Sequence[int],
    workers: Optional[int] = None,
    out: Optional[Path] = None,
    log: Any = None,
) -> dict[str, dict[str, Any]]:
    """Every job on every seed; returns {job name: report} (``summary`` and ``episodes`` in seed order, as
    ``evaluate`` gives them; ``{"error": message}`` for a job that cannot run); a job whose deadline came before all
    its episodes began is left out (and logged). With ``out`` each report is also written to ``out/<name>``.
    ``log``: called with a line as each job completes."""
    workers = workers or default_workers()
    tasks = [(job, seed) for job in jobs for seed in seeds]
    results = _in_workers(tasks, min(workers, len(tasks)))  # never here: this process may have run libsumo
    reports = {}
    for k, job in enumerate(jobs):
        episodes = results[k * len(seeds) : (k + 1) * len(seeds)]
        if any("skipped" in e for e in episodes):
            if log is not None:
                log(f"  {job.name}: left out, its deadline came before all its episodes began")
            continue
        failed = next((e["error"] for e in episodes if "error" in e), None)
        if failed is not None:
            reports[job.name] = {"controller": job.name, "error": failed}
            continue
        reports[job.name] = {
            "controller": job.name,
            "scenario": job.scenario,
            "episodes": episodes,
            "summary": summarise(episodes),
            "settings": {"seeds": list(seeds), "fresh_process": True, **job.env_kwargs},
        }
        if out is not None:
            write_report(reports[job.name], Path(out) / job.name)
        if log is not None:
            log(
                f"  {job.name}: resco_delay {reports[job.name]['summary']['resco_delay']['mean']:.2f} "
                f"over seeds {seeds[0]}..{seeds[-1]}"
            )
    return reports


if __name__ == "__main__":
    _worker(Path(sys.argv[1]), Path(sys.argv[2]))
