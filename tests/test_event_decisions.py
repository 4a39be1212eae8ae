"""Event-driven decisions (EnvParams(decision="event")): a light is asked only when it can act, SUMO runs
straight to the next light that can, every safety rule still holds in what SUMO ran, rewards add up."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import check_light, read_tls_states, tls_recorder
from flowlights.envs.factory import make_env
from flowlights.errors import ConfigError


def test_lights_are_asked_only_when_they_can_act_and_sumo_stays_safe(tmp_path):
    record_args, record = tls_recorder(tmp_path)
    env = make_env(
        scenario="grid2x2",
        end=900,
        decision="event",
        min_green=10,
        delta_time=5,
        max_green=40,
        sumo_args=record_args,
        reward="queue",
    )
    rng = np.random.default_rng(0)
    asked = decisions = 0
    try:
        obs, infos = env.reset(seed=1)
        assert set(obs) == set(infos) and set(obs) <= set(env.agents)
        rewards_seen = []
        while env.agents:
            for tls in obs:  # every light asked can act now: green, min green over
                machine = env.controller.machines[tls]
                assert machine.can_switch, f"{tls} asked during its transition or before its min green"
            asked += len(obs)
            decisions += 1
            actions = {tls: int(rng.integers(env.action_space(tls).n)) for tls in env.agents}  # extra lights: ignored
            obs, rewards, terms, truncs, infos = env.step(actions)
            assert set(obs) == set(rewards) == set(infos)
            rewards_seen += list(rewards.values())
        assert all(truncs.values()) and set(obs) == set(env.possible_agents), "the last step gives every light its end"
    finally:
        env.close()
    always = len(env.possible_agents) * (900 // 5)
    assert 0 < asked < always and decisions < 900 // 5, (asked, decisions)
    assert min(rewards_seen) < 0, "queue rewards were accumulated"
    for tls, records in read_tls_states(record).items():
        check_light(tls, records, env.topology.lights[tls].states, env)
        greens = env.controller.machines[tls].greens
        left_green = sum(a in greens and b not in greens for (_, a), (_, b) in zip(records, records[1:]))
        assert env.controller.machines[tls].changes == left_green > 0, f"{tls}: green changes counted vs SUMO's"


def test_event_driven_max_pressure_and_unknown_decision_mode():
    from flowlights.baselines.base import make_controller

    results = {}
    for mode in ("fixed", "event"):
        ctrl = make_controller("max_pressure")
        env = make_env(scenario="grid2x2", end=1200, decision=mode, **ctrl.env_overrides)
        try:
            obs, _ = env.reset(seed=2)
            ctrl.reset(env)
            asked = 0
            while env.agents:
                asked += len(obs)
                obs, *_ = env.step(ctrl.act(env, obs))
            results[mode] = (asked, env.metrics()["mean_delay"])
        finally:
            env.close()
    assert results["event"][0] < results["fixed"][0]
    assert results["event"][1] < 2 * results["fixed"][1], results  # same controller, comparable delay
    with pytest.raises(ConfigError, match="decision='sometimes' is unknown"):
        make_env(scenario="grid2x2", decision="sometimes")
