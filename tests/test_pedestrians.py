"""Pedestrians (issue 13): grids with sidewalks and signalised crossings, person flows, crossings under the
same safety rules (no conflicting major green while a crossing is green; a pedestrian clearance before the
next green), waiting pedestrians in observations and rewards, pedestrian metrics in evaluate."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import read_tls_states, tls_recorder
from flowlights.envs.factory import make_env
from flowlights.errors import ConfigError
from flowlights.evaluation.evaluate import evaluate
from flowlights.signals.raw_state import junction_foes, link_foes


def test_crossings_get_their_clearance_and_never_a_conflicting_major_green(walking_grid, tmp_path):
    record_args, record = tls_recorder(tmp_path)
    clearance = 8.0
    env = make_env(
        sumocfg=str(walking_grid),
        yellow=3,
        all_red=0,
        min_green=5,
        pedestrian_clearance=clearance,
        observation=["phase", "queue", "pedestrians"],
        reward="queue_pedestrians",
        sumo_args=record_args,
    )
    rng = np.random.default_rng(2)
    try:
        crossings = {t: env.topology.crossing_links(t) for t in env.controlled}
        assert all(len(c) == 4 for c in crossings.values()), crossings
        env.reset(seed=1)
        foes = {t: link_foes(env.sim.api, t, junction_foes(str(env.scenario.net_file))) for t in env.controlled}
        seen_waiting = 0.0
        while env.agents:
            obs, rewards, *_ = env.step({a: int(rng.integers(env.action_space(a).n)) for a in env.agents})
            m = env.measures
            view = env.views["A0"]
            waiting = float(m.pedestrians_waiting[view.walk_idx].sum())
            seen_waiting = max(seen_waiting, waiting)
            halting = float(m.halting[view.in_idx[view.vehicle_pos]].sum())
            assert rewards["A0"] == pytest.approx(-(halting + waiting))
            assert obs["A0"][-len(view.walk_idx) :].tolist() == pytest.approx(
                np.minimum(m.pedestrians_waiting[view.walk_idx] / 10, 1).tolist()
            )
        assert seen_waiting > 0, "people waited at A0's corners"
    finally:
        env.close()
    stops = 0
    for tls, records in read_tls_states(record).items():
        states = [s for _, s in records]
        for state in states:  # a green crossing never shares the junction with a foe's major green
            for c in crossings[tls]:
                if state[c] == "G":
                    assert not any(state[f] == "G" for f in foes[tls][c]), (
                        f"{tls}: crossing {c} and a foe both G in {state}"
                    )
        for t in range(1, len(states)):
            stopped = [c for c in crossings[tls] if states[t - 1][c] in "Gg" and states[t][c] not in "Gg"]
            if not stopped:
                continue
            stops += 1
            for k in range(t, min(t + int(clearance), len(states))):  # nothing new goes green within the clearance
                fresh = [i for i, (a, b) in enumerate(zip(states[k - 1], states[k])) if a not in "Gg" and b in "Gg"]
                assert not fresh, f"{tls}: links {fresh} went green {k - t + 1} s after crossings {stopped} stopped"
    assert stops > 5, "crossings stopped several times"


def test_pedestrian_metrics_in_evaluate(walking_grid):
    report = evaluate(str(walking_grid), "max_pressure", progress=False, end=600)
    summary = report["summary"]
    assert summary["ped_arrived"]["mean"] > 20
    assert 0 < summary["ped_mean_wait"]["mean"] < summary["ped_mean_time_loss"]["mean"] + 60
    plain = evaluate("grid2x2", "max_pressure", progress=False, end=120)
    assert "ped_arrived" not in plain["summary"], "no pedestrian lines for scenarios without pedestrians"


def test_pedestrian_features_need_crossings():
    with pytest.raises(ConfigError, match="has a pedestrian crossing"):
        make_env(scenario="grid2x2", observation=["phase", "pedestrians"])
    with pytest.raises(ConfigError, match="pedestrians=True"):
        from flowlights.networks.grid import GridNetwork

        grid = GridNetwork(rows=1, cols=2)
        grid.demand(grid.build(), pedestrians_per_hour=100)


def test_random_pedestrian_trips_walk_through_the_grid(walking_grid, tmp_path):
    from flowlights.networks.demand import RandomTrips

    net = next(walking_grid.parent.glob("*.net.xml"))
    trips = RandomTrips(period=10, end=300, pedestrians=True).write(net, tmp_path / "walks.rou.xml")
    text = trips.read_text()
    assert text.count("<person ") >= 20 and "<walk " in text and "<vehicle " not in text
    env = make_env(
        net_file=str(net),
        route_file=str(trips),
        end=300,
        observation=["phase", "pedestrians"],
        reward="pedestrian_wait",
    )
    try:
        env.reset(seed=0)
        walking = 0
        while env.agents:
            env.step({a: 0 for a in env.agents})
            walking = max(walking, env.sim.api.person.getIDCount())
        assert walking >= 5, "the random walkers were in the network"
    finally:
        env.close()
