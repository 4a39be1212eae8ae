"""SUMO's life cycle: no process left after close(), several TraCI runs side by side, and a
fresh SUMO after a crash, with an error that says what happened."""

from __future__ import annotations

import os
import signal

import pytest

import flowlights
from conftest import run_random_episode, sumo_children
from flowlights.errors import ConfigError, SimulationError


def test_close_leaves_no_sumo_process():
    env = flowlights.parallel_env(scenario="grid2x2", backend="traci", end=60)
    env.reset(seed=0)
    assert len(sumo_children()) == 1
    env.close()
    assert sumo_children() == []


def test_libsumo_close_then_new_env_in_same_process():
    first = flowlights.parallel_env(scenario="grid2x2", end=60)
    first.reset(seed=0)
    second = flowlights.parallel_env(scenario="single", end=60)
    with pytest.raises(ConfigError, match="one simulation per process"):
        second.reset(seed=0)
    first.close()
    second.reset(seed=0)
    second.close()


def test_several_traci_envs_side_by_side():
    envs = [flowlights.parallel_env(scenario=s, backend="traci", end=120) for s in ("grid2x2", "single", "grid2x2")]
    try:
        for env in envs:
            env.reset(seed=3)
        while any(env.agents for env in envs):
            for env in envs:
                if env.agents:
                    env.step({a: 0 for a in env.agents})
        metrics = [env.metrics() for env in envs]
        assert len(sumo_children()) == 3
    finally:
        for env in envs:
            env.close()
    assert metrics[0] == metrics[2], "same scenario and seed in parallel must give the same result"
    assert metrics[0] != metrics[1]
    assert sumo_children() == []


def test_crash_is_reported_and_reset_starts_fresh_sumo():
    env = flowlights.parallel_env(scenario="grid2x2", backend="traci", end=200)
    try:
        env.reset(seed=0)
        os.kill(env.sim.process.pid, signal.SIGKILL)
        env.sim.process.wait()
        with pytest.raises(SimulationError, match=r"SUMO failed while stepping .*reset\(\) starts a fresh SUMO"):
            env.step({a: 0 for a in env.agents})
        assert env.agents == []
        with pytest.raises(ConfigError, match="after the episode ended"):
            env.step({})
        steps = run_random_episode(env, seed=0)
        assert steps == 40 and env.metrics()["sim_time"] == 200
    finally:
        env.close()
    assert sumo_children() == []


@pytest.mark.parametrize("call", ["switch", "metrics"])
def test_sumo_killed_at_any_call_is_a_simulation_error(call):
    """Whatever call meets the dead SUMO first (a light switch before any step, the metrics), it is a
    SimulationError naming the backend and TraCI's error, and the next reset() recovers."""
    env = flowlights.parallel_env(scenario="grid2x2", backend="traci", end=200, min_green=5, delta_time=5)
    try:
        env.reset(seed=0)
        env.step({a: 0 for a in env.agents})  # min green served: the next request switches at once
        os.kill(env.sim.process.pid, signal.SIGKILL)
        env.sim.process.wait()
        with pytest.raises(
            SimulationError,
            match=r"SUMO failed while (?P<during>[a-z ]+) \(traci, scenario grid2x2\): "
            r"(FatalTraCIError|TraCIException|\w*Error).*reset\(\) starts a fresh SUMO",
        ):
            if call == "switch":
                machines = env.controller.machines
                env.step({a: (machines[a].green + 1) % len(machines[a].greens) for a in env.agents})
            else:
                env.metrics()
        assert env.agents == []
        run_random_episode(env, seed=0)
        assert env.metrics()["sim_time"] == 200
    finally:
        env.close()
    assert sumo_children() == []


def test_episode_end_and_metrics_in_final_infos():
    env = flowlights.parallel_env(scenario="grid2x2", end=100, delta_time=10)
    try:
        env.reset(seed=0)
        infos, steps = {}, 0
        while env.agents:
            _, _, terms, truncs, infos = env.step({a: 1 for a in env.agents})
            steps += 1
        assert steps == 10 and all(truncs.values()) and not any(terms.values())
        final = infos["A0"]["episode_metrics"]
        assert final == env.metrics()
        assert final["sim_time"] == 100 and final["arrived"] > 0 and final["mean_travel_time"] > 0
    finally:
        env.close()


def test_import_starts_nothing_and_needs_no_sumo_home():
    import subprocess
    import sys

    code = (
        "import sys, flowlights\n"
        "assert not {'libsumo', 'traci', 'ray', 'sumolib'} & set(sys.modules), sorted(sys.modules)\n"
        "env = flowlights.parallel_env(scenario='single', end=30)\n"
        "env.reset(seed=0)\n"
        "while env.agents: env.step({a: 0 for a in env.agents})\n"
        "print(env.metrics()['sim_time'])\n"
    )
    environ = {k: v for k, v in os.environ.items() if k != "SUMO_HOME"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=environ, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith("30.0")


def test_warmup_runs_the_programs_first():
    env = flowlights.parallel_env(scenario="grid2x2", end=200, warmup=60, delta_time=10)
    try:
        env.reset(seed=0)
        assert env.sim.time == 60 and env.sim_seconds == 60
        assert env.sim.api.vehicle.getIDCount() > 0, "vehicles entered during the warm-up"
        steps = 0
        while env.agents:
            env.step({a: 0 for a in env.agents})
            steps += 1
        assert steps == 14 and env.metrics()["sim_time"] == 200
    finally:
        env.close()
