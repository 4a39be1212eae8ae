"""Observation features and rewards agree with SUMO queried lane by lane, stay in their
bounds, and the registries accept user functions."""

from __future__ import annotations

import numpy as np
import pytest

import flowlights
from conftest import run_random_episode
from flowlights.errors import ConfigError
from flowlights.features.observations import OBSERVATIONS, register_observation
from flowlights.features.rewards import REWARDS, register_reward, reward_needs


def advance(env, decisions: int = 30, seed: int = 0) -> None:
    env.reset(seed=seed)
    for i, a in enumerate(env.possible_agents):
        env.action_space(a).seed(i)
    for _ in range(decisions):
        obs, rewards, *_ = env.step({a: env.action_space(a).sample() for a in env.agents})
    return obs, rewards


def test_every_feature_within_bounds_over_an_episode(walking_grid):
    """Every registered feature, on a grid where all apply (pedestrian crossings, generated detectors)."""
    env = flowlights.parallel_env(
        sumocfg=str(walking_grid), end=600, observation=sorted(OBSERVATIONS), reward="queue", detectors="generate"
    )
    try:
        env.reset(seed=0)
        seen_nonzero = np.zeros(env.observation_space("A0").shape, bool)
        while env.agents:
            obs, *_ = env.step({a: env.action_space(a).sample() for a in env.agents})
            for agent, vector in obs.items():
                assert env.observation_space(agent).contains(vector), f"{agent}: {vector}"
            if "A0" in obs:
                seen_nonzero |= obs["A0"] != 0
    finally:
        env.close()
    assert seen_nonzero.mean() > 0.5, "most features should take non-zero values at some point"


def test_lane_features_and_rewards_match_sumo_lane_queries():
    env = flowlights.parallel_env(
        scenario="grid4x4", end=900, observation=["phase", "density", "queue"], reward="queue"
    )
    try:
        obs, rewards = advance(env, decisions=60)
        lane = env.sim.api.lane
        for tls in env.possible_agents:
            light = env.topology.lights[tls]
            lanes = light.incoming_lanes
            capacity = np.array([max(lane.getLength(l) / 7.5, 1.0) for l in lanes])
            halting = np.array([lane.getLastStepHaltingNumber(l) for l in lanes])
            count = np.array([lane.getLastStepVehicleNumber(l) for l in lanes])
            n_green = len(env.controller.machines[tls].greens)
            vector = obs[tls]
            assert vector[:n_green].sum() == 1 and vector[env.controller.machines[tls].green] == 1
            np.testing.assert_allclose(
                vector[n_green : n_green + len(lanes)], np.minimum(count / capacity, 1), atol=1e-6
            )
            np.testing.assert_allclose(vector[n_green + len(lanes) :], np.minimum(halting / capacity, 1), atol=1e-6)
            assert rewards[tls] == -halting.sum()
        assert sum(rewards.values()) < 0, "after 5 minutes some vehicles must be queueing"
    finally:
        env.close()


def test_neighbour_features_and_mixed_rewards():
    env = flowlights.parallel_env(
        scenario="grid2x2", end=300, observation=["neighbours"], reward="pressure", neighbor_weight=0.5
    )
    local = flowlights.parallel_env(scenario="grid2x2", end=300, observation=["neighbours"], reward="pressure")
    try:
        assert env.neighbour_ids["A0"] == ["A1", "B0"]
        obs, mixed = advance(env, decisions=20, seed=5)
        width = env.views["A0"].max_greens
        for k, neighbour in enumerate(env.neighbour_ids["A0"]):
            block = obs["A0"][k * width : (k + 1) * width]
            assert block.argmax() == env.controller.machines[neighbour].green and block.sum() == 1
        assert obs["A0"][2 * width :].sum() == 0, "missing neighbours are zero padding"
        env.close()
        _, own = advance(local, decisions=20, seed=5)
        for tls in env.possible_agents:
            near = [own[n] for n in env.neighbour_ids[tls]]
            assert mixed[tls] == pytest.approx(0.5 * own[tls] + 0.5 * np.mean(near))
    finally:
        env.close()
        local.close()


@pytest.mark.parametrize("reward", sorted(set(REWARDS) - {"custom_test"}))
def test_each_reward_runs_and_is_informative(reward, walking_grid):
    detectors = "generate" if "detector" in reward_needs(reward) else None
    env = flowlights.parallel_env(sumocfg=str(walking_grid), end=600, reward=reward, detectors=detectors)
    totals = []
    try:
        env.reset(seed=0)
        while env.agents:
            _, rewards, *_ = env.step({a: env.action_space(a).sample() for a in env.agents})
            totals.extend(rewards.values())
    finally:
        env.close()
    assert all(np.isfinite(totals)) and np.std(totals) > 0, f"{reward} gave constant rewards"
    if reward == "throughput":
        assert sum(totals) > 100
    if reward in ("queue", "delay", "pressure", "detector_queue", "pedestrian_wait", "queue_pedestrians"):
        assert max(totals) <= 0


def test_user_registered_observation_and_reward():
    @register_observation("custom_test_green_time", size=lambda view: 1, high=1e6)
    def green_time(view, measures):
        return np.array([view.machine.green_steps * view.step_length])

    @register_reward("custom_test")
    def minus_vehicles(view, measures, memory):
        return -float(measures.count[view.in_idx].sum())

    env = flowlights.parallel_env(
        scenario="single", end=200, observation=["phase", "custom_test_green_time"], reward="custom_test"
    )
    try:
        obs, rewards = advance(env, decisions=10)
        machine = env.controller.machines["A0"]
        assert obs["A0"][-1] == machine.green_steps
        assert rewards["A0"] < 0
    finally:
        env.close()
        OBSERVATIONS.pop("custom_test_green_time")
        REWARDS.pop("custom_test")


def test_registries_refuse_a_taken_name_unless_override():
    from flowlights.baselines import CONTROLLERS, register_controller
    from flowlights.baselines.simple import RandomActions

    with pytest.raises(
        ConfigError, match="observation 'queue' is already registered; choose another name, or pass override=True"
    ):
        register_observation("queue", size=lambda view: 1)
    with pytest.raises(ConfigError, match="reward 'queue' is already registered"):
        register_reward("queue")
    with pytest.raises(ConfigError, match="controller 'random' is already registered"):
        register_controller("random")
    original = (OBSERVATIONS["queue"], REWARDS["queue"], CONTROLLERS["random"])
    try:

        @register_observation("queue", size=lambda view: 1, override=True)
        def constant(view, measures):
            return np.ones(1)

        @register_reward("queue", override=True)
        def zero(view, measures, memory):
            return 0.0

        assert OBSERVATIONS["queue"].fn is constant and REWARDS["queue"] is zero
        register_controller("random", override=True)(RandomActions)
    finally:
        OBSERVATIONS["queue"], REWARDS["queue"], CONTROLLERS["random"] = original


def test_action_mask_follows_min_green():
    env = flowlights.parallel_env(scenario="grid2x2", end=300, action_mask=True, min_green=10, delta_time=5)
    try:
        obs, _ = env.reset(seed=0)
        for _ in range(12):
            machine = env.controller.machines["A0"]
            mask = obs["A0"]["action_mask"]
            if machine.can_switch:
                assert mask.sum() == len(machine.greens)
            else:
                assert mask.sum() == 1 and mask[machine.green] == 1
            other = 1 - machine.green
            obs, *_ = env.step({"A0": other, **{a: 0 for a in env.agents if a != "A0"}})
    finally:
        env.close()


def test_same_run_twice_gives_same_observations():
    def trace():
        env = flowlights.parallel_env(scenario="grid2x2", end=300, observation=["phase", "queue", "nearest_vehicles"])
        try:
            run_random_episode(env, seed=4, action_seed=9)
            return env.metrics()
        finally:
            env.close()

    assert trace() == trace()


@pytest.mark.parametrize("backend", ["libsumo", "traci"])
def test_only_declared_lane_measurements_are_taken(backend):
    """The default observation and reward read counts, queues and waiting times of incoming lanes: exactly those
    are taken (TraCI: subscribed; libsumo: read directly, nothing subscribed), with SUMO's own values; what
    nobody declared raises a clear error instead of reading zeros."""

    env = flowlights.parallel_env(scenario="grid2x2", end=300, backend=backend)
    try:
        advance(env, decisions=20)
        incoming = {l for t in env.possible_agents for l in env.topology.lights[t].incoming_lanes}
        assert set(env.sensor.watched) == incoming and env.sensor.names == ["count", "halting", "waiting"]
        subscribed = env.sim.api.lane.getAllSubscriptionResults()
        if backend == "traci":
            assert set(subscribed) == incoming and all(len(values) == 3 for values in subscribed.values())
        else:
            assert not subscribed
        lane = env.sim.api.lane
        seen = 0.0
        for name, getter in (
            ("count", lane.getLastStepVehicleNumber),
            ("halting", lane.getLastStepHaltingNumber),
            ("waiting", lane.getWaitingTime),
        ):
            for l in incoming:
                assert getattr(env.measures, name)[env.sensor.index[l]] == pytest.approx(getter(l))
                seen += getter(l)
        assert seen > 0, "after 100 s some vehicles must be on the incoming lanes"
        with pytest.raises(ConfigError, match="'speed' is not taken.*measures"):
            env.measures.speed
    finally:
        env.close()
    env = flowlights.parallel_env(scenario="grid2x2", end=300, measures=["speed", "outgoing"], backend=backend)
    try:
        advance(env, decisions=5)
        assert set(env.sensor.watched) == set(env.sensor.lanes) and not np.isnan(env.measures.speed).any()
    finally:
        env.close()
    with pytest.raises(ConfigError, match="'colour'.*count"):
        flowlights.parallel_env(scenario="grid2x2", end=300, measures=["colour"])


def test_held_back_vehicles_are_counted_on_the_first_light_their_route_reaches():
    """Lights kept on one green fill the other roads back to the network's edge: the vehicles SUMO cannot insert are
    counted, each once, on the light whose junction its route reaches first (found by hand from the net file)."""
    import sumolib

    env = flowlights.parallel_env(
        scenario="grid2x2",
        end=900,
        reward="zone_queue_held",
        observation=["phase", "zone_queue", "held_back"],
        min_green=5,
        max_green=None,
    )
    try:
        env.reset(seed=1)
        net = sumolib.net.readNet(str(env.scenario.net_file))
        held_total = 0.0
        while env.agents:
            obs, rewards, *_ = env.step({a: 0 for a in env.agents})
            if not env.agents:
                break
            api, m = env.sim.api, env.measures
            by_hand = dict.fromkeys(env.agents, 0)
            for vid in api.simulation.getPendingVehicles():
                first = next(
                    net.getEdge(e).getToNode().getID()
                    for e in api.vehicle.getRoute(vid)
                    if net.getEdge(e).getToNode().getID() in by_hand
                )
                by_hand[first] += 1
            for tls in env.agents:
                lanes = env.views[tls].in_idx
                assert m.held_back[lanes].sum() == pytest.approx(by_hand[tls]), tls
                assert rewards[tls] == pytest.approx(-(m.zone_queued[lanes].sum() + by_hand[tls]))
            held_total += sum(by_hand.values())
        assert held_total > 0, "roads kept red should have filled back to the network's edge"
    finally:
        env.close()


@pytest.mark.parametrize("decision", ["fixed", "event"])
def test_change_cost_charges_each_green_change_once(decision):
    """Same seed and actions with and without change_cost: the rewards differ by exactly the cost times the green
    changes each light began (counted here from the switches it was allowed to make), event-driven ones unweighted."""
    from flowlights.envs.factory import make_env

    runs = {}
    for cost in (0.0, 2.5):
        env = make_env(
            scenario="grid2x2",
            end=400,
            decision=decision,
            action_mode="switch",
            reward="queue",
            change_cost=cost,
            delta_time=5,
            min_green=5,
            max_green=None,
        )
        rng = np.random.default_rng(3)
        rewards_seen, switches_seen, observed = [], [], 0.0
        try:
            obs, _ = env.reset(seed=4)
            observer: dict = {}  # another observer's memory (a deployed light's): charged on its own calls
            assert sum(env.change_costs(observer).values()) == 0.0
            while env.agents:
                actions = {t: int(rng.integers(2)) for t in env.agents}
                began = {t: int(actions[t] == 1 and env.action_mask(t)[1] == 1) for t in obs}  # lights asked now
                obs, rewards, *_ = env.step(actions)
                rewards_seen.append(rewards)
                switches_seen.append(began)
                observed += sum(env.change_costs(observer).values())
        finally:
            env.close()
        runs[cost] = rewards_seen, switches_seen
        assert observed == -cost * sum(sum(b.values()) for b in switches_seen), (
            "the observer is charged every change once"
        )
    (free, switches), (charged, switches_again) = runs[0.0], runs[2.5]
    assert switches == switches_again, "the cost changed what SUMO ran"
    owed = {t: 0 for t in switches[0]}
    charged_total = 0.0
    for before, after, began in zip(free, charged, switches):
        for tls, n in began.items():  # charged in the next reward the light gets (this step's, when fixed)
            owed[tls] += n
        for tls in after:
            assert after[tls] == pytest.approx(before[tls] - 2.5 * owed[tls]), (decision, tls)
            charged_total += before[tls] - after[tls]
            owed[tls] = 0
    assert charged_total > 2.5 * 10, "too few green changes to test anything"
    with pytest.raises(ConfigError, match="change_cost=-1"):
        make_env(scenario="grid2x2", change_cost=-1)


@pytest.mark.parametrize("decision", ["fixed", "event"])
def test_reward_scale_multiplies_every_reward_change_costs_included(decision):
    """Same seed and actions with reward_scale 1 and 0.01: SUMO runs the same, every reward is exactly 0.01 times."""
    from flowlights.envs.factory import make_env

    runs = {}
    for scale in (1.0, 0.01):
        env = make_env(
            scenario="grid2x2",
            end=300,
            decision=decision,
            action_mode="switch",
            reward="wait",
            change_cost=2.0,
            reward_scale=scale,
            delta_time=5,
            min_green=5,
            max_green=None,
        )
        rng = np.random.default_rng(5)
        seen = []
        try:
            obs, _ = env.reset(seed=2)
            while env.agents:
                obs, rewards, *_ = env.step({t: int(rng.integers(2)) for t in env.agents})
                seen.append(rewards)
        finally:
            env.close()
        runs[scale] = seen
    plain, scaled = runs[1.0], runs[0.01]
    assert [set(r) for r in plain] == [set(r) for r in scaled], "the scale changed which lights were asked"
    assert sum(abs(v) for r in plain for v in r.values()) > 10, "rewards too small to test anything"
    for before, after in zip(plain, scaled):
        for tls, value in before.items():
            assert after[tls] == pytest.approx(0.01 * value), (decision, tls)
    for bad in (0.0, -1.0, float("inf")):
        with pytest.raises(ConfigError, match="reward_scale="):
            make_env(scenario="grid2x2", reward_scale=bad)


def test_green_demand_sums_the_zone_counts_of_the_lanes_each_green_lets_go():
    """green_demand, read back against SUMO's own controlled links: per green, the detection zones' vehicles on the
    incoming lanes with a link green in it, over the widest green's lanes' zone capacity."""
    env = flowlights.parallel_env(
        scenario="grid2x2", end=300, reward="queue", detection_distance=50.0, observation=["green_demand"]
    )
    try:
        env.reset(seed=2)
        seen = 0.0
        for _ in range(25):
            obs, *_ = env.step({a: env.action_space(a).sample() for a in env.agents})
            api, m = env.sim.api, env.measures
            for tls, vector in obs.items():
                view = env.views[tls]
                lane_row = {lane: k for k, lane in enumerate(env.sensor.lanes)}
                served = [
                    {
                        links[0][0]
                        for i, links in enumerate(api.trafficlight.getControlledLinks(tls))
                        if links and state[i] in "Gg"
                    }
                    for state in view.machine.greens
                ]
                widest = max(len(lanes) for lanes in served)
                by_hand = [
                    sum(m.zone_near[lane_row[lane]] for lane in lanes) / (50.0 / 7.5 * widest) for lanes in served
                ]
                assert vector == pytest.approx(np.minimum(by_hand, 1.0)), tls
                assert len(vector) == len(view.machine.greens) >= 2
                seen += sum(by_hand)
        assert seen > 0, "vehicles should reach the zones"
    finally:
        env.close()


def test_green_spillback_counts_the_vehicles_of_movements_whose_exit_is_full(short_link_grid):
    """green_spillback, read back against SUMO's controlled links and its vehicle counts on their exit lanes: per
    green, the zone vehicles of the movements (incoming edge to outgoing edge) it serves that lead into a lane
    holding at least its length / 7.5 - 2 vehicles (0.5 at least), on green_demand's scale."""
    env = flowlights.parallel_env(
        sumocfg=short_link_grid, end=600, reward="queue", detection_distance=50.0, observation=["green_spillback"]
    )
    edge = lambda lane: env.topology.lanes[lane].edge  # noqa: E731
    try:
        obs, _ = env.reset(seed=2)
        seen = 0.0
        lane_row = {lane: k for k, lane in enumerate(env.sensor.lanes)}
        while env.agents:
            obs, *_ = env.step({a: env.action_space(a).sample() for a in env.agents})
            api, m = env.sim.api, env.measures
            for tls, vector in obs.items():
                links = [ls[0] for ls in api.trafficlight.getControlledLinks(tls) if ls]
                view = env.views[tls]
                widest = max(
                    len({links[i][0] for i in range(len(links)) if state[i] in "Gg"}) for state in view.machine.greens
                )
                by_hand = []
                for state in view.machine.greens:
                    moves = {(edge(i), edge(o)) for k, (i, o, _) in enumerate(links) if state[k] in "Gg"}
                    total = 0.0
                    for move in moves:
                        pairs = [(i, o) for i, o, _ in links if (edge(i), edge(o)) == move]
                        full = any(
                            api.lane.getLastStepVehicleNumber(o) >= max(api.lane.getLength(o) / 7.5 - 2, 0.5)
                            for _, o in pairs
                        )
                        total += full * sum(m.zone_near[lane_row[i]] for i in {i for i, _ in pairs})
                    by_hand.append(total / (50.0 / 7.5 * widest))
                assert vector == pytest.approx(np.minimum(by_hand, 1.0)), tls
                seen += sum(by_hand)
        assert seen > 0, "exits between the lights should fill up"
    finally:
        env.close()
