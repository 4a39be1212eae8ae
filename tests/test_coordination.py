"""Coordinated lights (issue 13): influencer/follower couplings, clusters (peers in observations, mixed
rewards) and camera-like lane-area detectors — on real SUMO runs."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import check_light, read_tls_states, tls_recorder
from flowlights.envs.factory import make_env
from flowlights.errors import ConfigError
from flowlights.features.rewards import get_reward
from flowlights.networks.topology import green_sectors


def test_follower_takes_the_complementary_green_through_its_own_safety_rules(tmp_path):
    record_args, record = tls_recorder(tmp_path)
    env = make_env(
        scenario="grid2x2", end=900, couplings=[("A0", "B0")], min_green=10, max_green=None, sumo_args=record_args
    )
    rng = np.random.default_rng(3)
    behind = steps = 0
    try:
        assert "B0" not in env.possible_agents and "B0" in env.controlled
        table = env.couplings.pairs[0].table
        lead, follow = (green_sectors(env.topology, t, env.controller.machines[t].greens) for t in ("A0", "B0"))
        for g, f in enumerate(table):  # the follower's green lets go what the influencer's green stops
            stopped = np.nan_to_num(1 - lead[g]) > 0.5
            served = np.nan_to_num(follow[f]) > 0.5
            assert (stopped == served).all(), (g, f, lead[g], follow[f])
        obs, _ = env.reset(seed=2)
        assert "B0" not in obs
        switches, last = 0, env.controller.machines["B0"].green
        while env.agents:
            obs, *_ = env.step({a: int(rng.integers(2)) for a in env.agents})
            a0, b0 = env.controller.machines["A0"], env.controller.machines["B0"]
            steps += 1
            if not a0.in_transition and not b0.in_transition:
                behind += b0.green != table[a0.green]
            switches, last = switches + (b0.green != last), b0.green
    finally:
        env.close()
    assert switches > 5, "the follower switched with its influencer"
    assert behind <= 0.25 * steps, f"follower off its influencer's complement at {behind} of {steps} decisions"
    states = read_tls_states(record)
    for tls in ("A0", "B0"):  # yellow, all-red, min green hold for the follower as for the agent
        check_light(tls, states[tls], env.topology.lights[tls].states, env)


def test_coupling_errors_name_the_light_and_the_fix():
    with pytest.raises(ConfigError, match="'Z9' is not a traffic light"):
        make_env(scenario="grid2x2", couplings=[("A0", "Z9")])
    with pytest.raises(ConfigError, match="follows two influencers"):
        make_env(scenario="grid2x2", couplings=[("A0", "B0"), ("A1", "B0")])
    with pytest.raises(ConfigError, match="both a follower and an influencer"):
        make_env(scenario="grid2x2", couplings=[("A0", "B0"), ("B0", "B1")])
    with pytest.raises(ConfigError, match="influencer 'A1' is not a controlled light"):
        make_env(scenario="grid2x2", tls_ids=["A0"], couplings=[("A1", "B0")])
    with pytest.raises(ConfigError, match="must map every influencer green"):
        make_env(scenario="grid2x2", couplings=[("A0", "B0", {0: 1})])
    with pytest.raises(ConfigError, match="couplings"):
        make_env(scenario="grid2x2", couplings="A0,B0")


def test_explicit_coupling_table_is_followed():
    env = make_env(scenario="grid2x2", end=300, couplings=[("A0", "B0", {0: 0, 1: 1})], min_green=5)
    try:
        env.reset(seed=1)
        same = 0
        while env.agents:
            env.step({a: 1 for a in env.agents})
            a0, b0 = env.controller.machines["A0"], env.controller.machines["B0"]
            same += not a0.in_transition and not b0.in_transition and a0.green == b0.green
        assert same > 10
    finally:
        env.close()


def test_cluster_observation_and_mixed_reward():
    clusters = {"west": ["A0", "A1"], "east": ["B0", "B1"]}
    env = make_env(
        scenario="grid2x2",
        end=600,
        clusters=clusters,
        cluster_weight=0.5,
        reward="queue",
        observation=["phase", "queue"],
    )
    local = make_env(scenario="grid2x2", end=600, reward="queue", observation=["phase", "queue"])
    rng = np.random.default_rng(0)
    try:
        assert (
            env.observation_space("A0").shape[0] == local.observation_space("A0").shape[0] + 3
        )  # 1 peer x (2 greens + queue)
        obs, _ = env.reset(seed=4)
        checked = 0
        while env.agents:
            obs, rewards, *_ = env.step({a: int(rng.integers(2)) for a in env.agents})
            m = env.measures
            for tls, peer in (("A0", "A1"), ("B1", "B0")):
                block = obs[tls][-3:]
                view = env.views[peer]
                assert block[env.controller.machines[peer].green] == 1.0 and block[:2].sum() == 1.0
                assert block[2] == pytest.approx(
                    min(m.halting[view.in_idx].sum() / view.in_capacity.sum(), 1.0), abs=1e-6
                )
                own = get_reward("queue")(env.views[tls], m, {})
                other = get_reward("queue")(view, m, {})
                assert rewards[tls] == pytest.approx(0.5 * own + 0.5 * other)
                checked += other != own
    finally:
        env.close()
        local.close()
    assert checked > 10, "peers' queues differed from the light's own (the mixing was exercised)"


def test_cluster_errors():
    with pytest.raises(ConfigError, match="'Q1', which is not a controlled light"):
        make_env(scenario="grid2x2", clusters={"c": ["A0", "Q1"]})
    with pytest.raises(ConfigError, match="is in clusters 'a' and 'b'"):
        make_env(scenario="grid2x2", clusters={"a": ["A0", "A1"], "b": ["A0", "B0"]})
    with pytest.raises(ConfigError, match="no clusters are given"):
        make_env(scenario="grid2x2", cluster_weight=0.3)
    with pytest.raises(ConfigError, match="two or more"):
        make_env(scenario="grid2x2", clusters={"a": ["A0"]})


def test_generated_detectors_see_what_the_lanes_hold():
    """A detector longer than its lane (chain stops at the neighbouring light or the network's edge) sees
    every vehicle on the lane (give or take one straddling the stop line, which E2 counts); a short one
    sees a subset."""
    long = make_env(
        scenario="grid2x2",
        end=900,
        detectors="generate",
        detection_distance=1000,
        observation=["detector_count"],
        reward="detector_queue",
        measures=["count", "halting"],
        backend="traci",
    )
    short = make_env(
        scenario="grid2x2",
        end=900,
        detectors="generate",
        detection_distance=30,
        observation=["detector_count"],
        measures=["count"],
        backend="traci",
    )
    try:
        for env in (long, short):
            env.reset(seed=5)
        seen = detected = fewer = 0
        while long.agents:
            _, rewards, *_ = long.step({a: 0 for a in long.agents})
            short.step({a: 0 for a in short.agents})
            m, s = long.measures, short.measures
            rows = np.concatenate([long.views[t].in_idx for t in long.controlled])
            assert (np.abs(m.detector_count[rows] - m.count[rows]) <= 1).all()
            detected += m.detector_count[rows].sum()
            assert rewards["A0"] == -m.detector_halting[long.views["A0"].in_idx].sum()
            assert (s.detector_count[rows] <= s.count[rows] + 1).all()
            seen += m.count[rows].sum()
            fewer += (s.detector_count[rows] < s.count[rows]).sum()
        assert seen > 100 and fewer > 10 and abs(detected - seen) <= 0.05 * seen, (seen, detected, fewer)
    finally:
        long.close()
        short.close()


def test_user_detector_file_is_read_and_loaded(tmp_path):
    add = tmp_path / "cams.add.xml"
    add.write_text(
        '<additional>'
        '<laneAreaDetector id="cam_west" lane="left0A0_0" pos="-60" endPos="-0.1" file="NUL" period="60"/>'
        '<laneAreaDetector id="elsewhere" lane="A0left0_0" pos="0" endPos="20" file="NUL" period="60"/>'
        '</additional>'
    )
    env = make_env(scenario="grid2x2", end=600, detectors=str(add), observation=["detector_queue"], measures=["count"])
    try:
        assert add in env.sim.extra_additional
        row = env.sensor.index["left0A0_0"]
        others = [env.sensor.index[l] for l in env.topology.lights["A0"].incoming_lanes if l != "left0A0_0"]
        env.reset(seed=1)
        hits = 0
        while env.agents:
            env.step({a: 0 for a in env.agents})
            m = env.measures
            assert np.isnan(m.detector_count[others]).all()  # no camera there
            assert m.detector_count[row] <= m.count[row] + 1
            hits += m.detector_count[row]
        assert hits > 0
    finally:
        env.close()
    with pytest.raises(ConfigError, match="no such file"):
        make_env(scenario="grid2x2", detectors=str(tmp_path / "missing.add.xml"), observation=["detector_queue"])
    with pytest.raises(ConfigError, match="detectors is not set"):
        make_env(scenario="grid2x2", observation=["detector_queue"])
    empty = tmp_path / "none.add.xml"
    empty.write_text(
        '<additional><laneAreaDetector id="x" lane="A0left0_0" pos="0" endPos="20" file="NUL"/></additional>'
    )
    with pytest.raises(ConfigError, match="no <laneAreaDetector> ending on an incoming lane"):
        make_env(scenario="grid2x2", detectors=str(empty), observation=["detector_queue"])
