"""One evaluation episode of a controller: the env's metrics, mean queue and RESCO's delay."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import numpy as np
from traci.exceptions import TraCIException

from flowlights.baselines.base import Controller, controller_env_kwargs
from flowlights.common.progress import Progress
from flowlights.envs.factory import make_env
from flowlights.evaluation.lockup import LockupWatch
from flowlights.evaluation.record import DecisionLog, record_args
from flowlights.evaluation.tripinfo import pedestrian_metrics, resco_delay
from flowlights.features.rewards import delay as delay_reward
from flowlights.features.rewards import reward_needs

METRICS = (
    "mean_travel_time",
    "mean_delay",
    "mean_waiting_time",
    "mean_queue",
    "throughput",
    "teleports",
    "resco_delay",
)


TRACE_FIELDS = ("time", "light", "queue", "delay_rate")
TRACE_MEASURES = reward_needs("delay") | {"halting"}  # what light_trace and mean_queue read


def light_trace(env: Any) -> list[tuple[float, str, float, float]]:
    """Per light now: halting vehicles and delay rate (vehicles x (1 - speed/limit)) on its incoming lanes."""
    m, now = env.measures, env.sim.time
    return [
        (now, tls, float(m.halting[env.views[tls].in_idx].sum()), -delay_reward(env.views[tls], m, {}))
        for tls in env.controlled
    ]


def write_trace(rows: list[tuple[float, str, float, float]], path: Path) -> None:
    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(TRACE_FIELDS)
        writer.writerows((f"{t:g}", light, f"{q:g}", f"{d:.3f}") for t, light, q, d in rows)


def pending_waits(api: Any, pending: list[str]) -> list[float]:
    """How long each vehicle still waiting to enter the network has waited; [] where SUMO cannot say
    (SUMO before 1.11 has no depart delay for them: their wait is then left out, and counted as unknown)."""
    try:
        return [float(api.vehicle.getDepartDelay(v)) for v in pending]
    except TraCIException:
        return []


def run_controller_episode(
    controller: Controller, seed: int, workdir: Path, progress: bool = True, record: bool = False, **env_kwargs: Any
) -> dict[str, float]:
    """Run one episode with ``controller``; SUMO writes its tripinfo into ``workdir``.

    mean_queue: halting vehicles on a light's incoming lanes, averaged over decisions and lights; lockup: 1 when
    the network stopped moving (``flowlights.evaluation.lockup``).
    Also writes ``timeseries_seed<K>.csv`` (per decision and light: queue, delay rate) for plots, and
    with ``record`` what the episode did, for ``flowlights movie`` (``flowlights.evaluation.record``).
    """
    workdir.mkdir(parents=True, exist_ok=True)
    tripinfo = workdir / f"tripinfo_seed{seed}.xml"
    sumo_args = list(env_kwargs.pop("sumo_args", [])) + ["--tripinfo-output.write-unfinished", "true"]
    log = DecisionLog(workdir, seed) if record else None
    if record:
        sumo_args += record_args(workdir, seed)
    kwargs = controller_env_kwargs(controller, env_kwargs, extra_measures=TRACE_MEASURES)
    env = make_env(**kwargs, sumo_args=sumo_args, tripinfo_output=str(tripinfo))
    try:
        obs, _ = env.reset(seed=seed)
        controller.reset(env)
        incoming = np.concatenate([env.views[t].in_idx for t in env.controlled])
        queues, trace, decisions = [], [], len(obs)
        lockup = LockupWatch()
        with Progress(env.sim.end - env.sim.begin, f"{controller.name} seed {seed}") as bar:
            while env.agents:
                actions = controller.act(env, obs)
                if log is not None:
                    log.add(env.sim.time, actions)
                obs, *_ = env.step(actions)
                decisions += len(obs) if env.agents else 0
                queues.append(env.measures.halting[incoming].sum() / len(env.controlled))
                trace.extend(light_trace(env))
                lockup.update(env.sim.api)
                if progress:
                    bar.update(env.sim_seconds)
        metrics = env.metrics()
        green_changes = sum(env.controller.machines[tls].changes for tls in env.controlled)
        if log is not None:
            log.write(env, controller.name)
        pending = list(env.sim.api.simulation.getPendingVehicles())
        never_departed = pending_waits(env.sim.api, pending)
    finally:
        env.close()  # SUMO finishes the tripinfo file here
    write_trace(trace, workdir / f"timeseries_seed{seed}.csv")
    return {
        "mean_travel_time": metrics["mean_travel_time"],
        "mean_delay": metrics["mean_delay"],
        "mean_waiting_time": metrics["mean_waiting_time"],
        "mean_queue": float(np.mean(queues)) if queues else 0.0,
        "throughput": metrics["arrived"],
        "teleports": metrics["teleports"],
        "resco_delay": resco_delay(tripinfo, never_departed),
        "in_network": metrics["in_network"],
        "never_departed": len(pending),
        "never_departed_wait_unknown": len(pending) - len(never_departed),
        "decisions": decisions,  # light decisions asked (event-driven: only lights that could act)
        "green_changes": green_changes,  # changes of green begun, all controlled lights (churn: each costs a yellow)
        "lockup": int(lockup.locked),  # 1: the network stopped moving (flowlights.evaluation.lockup)
        **pedestrian_metrics(tripinfo),  # only when there were pedestrians
        "seed": seed,
    }
