"""Generated networks (grid, spider, random) and demand (InFlows, random trips) run end to end,
with the safety checks on what SUMO ran."""

from __future__ import annotations

from collections import Counter

import pytest

import flowlights
from conftest import check_light, read_tls_states, run_random_episode, tls_recorder
from flowlights.errors import ConfigError
from flowlights.networks import GridNetwork, InFlows, RandomNetwork, RandomTrips, SpiderNetwork
from flowlights.networks.scenario_writer import write_scenario
from flowlights.networks.topology import read_net


@pytest.fixture(autouse=True)
def _cache(tmp_path, monkeypatch):
    monkeypatch.setenv("FLOWLIGHTS_CACHE", str(tmp_path / "cache"))


def arms(net_file) -> Counter:
    """How many lights have 3, 4, 5 ... incoming roads."""
    topo = read_net(net_file)
    return Counter(len({topo.lanes[l].edge for l in light.incoming_lanes}) for light in topo.lights.values())


def run_checked(tmp_path, **kwargs):
    args, out = tls_recorder(tmp_path)
    env = flowlights.parallel_env(sumo_args=args, **kwargs)
    try:
        decisions = run_random_episode(env, seed=2)
        metrics = env.metrics()
    finally:
        env.close()
    records = read_tls_states(out)
    for tls in env.possible_agents:
        check_light(tls, records[tls], env.topology.lights[tls].states, env)
    return env, decisions, metrics


@pytest.mark.parametrize("rows, cols, lanes", [(2, 3, 1), (3, 2, 2)])
def test_grid_network_with_inflows(tmp_path, rows, cols, lanes):
    grid = GridNetwork(rows=rows, cols=cols, lanes=lanes, length=150)
    net = grid.build()
    assert grid.build() == net, "a second build reuses the cached network"
    topo = read_net(net)
    assert len(topo.lights) == rows * cols
    assert {len(l.links) for l in topo.lights.values()} and all(
        sum(1 for lane in topo.lanes.values() if lane.edge == e) == lanes for e in topo.edge_ends
    )
    assert arms(net) == Counter({4: rows * cols})
    cfg = write_scenario(tmp_path / "scn", "g", net, grid.demand(net, vehs_per_hour=400), end=600)
    env, decisions, metrics = run_checked(tmp_path, sumocfg=cfg)
    assert decisions == 120 and metrics["arrived"] > 50


def test_spider_network_with_random_trips(tmp_path, monkeypatch):
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    net = SpiderNetwork(arms=5, circles=2, lanes=2).build()
    counts = arms(net)
    assert counts[5] >= 1 and counts[4] >= 1, f"expected 4- and 5-arm lights, got {counts}"
    trips = RandomTrips(period=2.0, seed=1, end=400).write(net, tmp_path / "trips.rou.xml")
    assert list(cwd.iterdir()) == [], "randomTrips must not leave files in the working folder"
    env, decisions, metrics = run_checked(tmp_path, net_file=net, route_file=trips, end=400)
    assert metrics["arrived"] > 20


def test_random_network_with_three_to_five_arms(tmp_path):
    net = RandomNetwork(iterations=40, seed=4).build()
    counts = arms(net)
    assert counts[3] >= 1 and counts[4] + counts[5] >= 1, f"expected 3-arm and bigger lights, got {counts}"
    trips = RandomTrips(period=2.0, seed=2, end=400).write(net, tmp_path / "trips.rou.xml")
    env, decisions, metrics = run_checked(tmp_path, net_file=net, route_file=trips, end=400, pad_observations=True)
    assert len({env.observation_space(a).shape for a in env.possible_agents}) == 1
    assert metrics["arrived"] > 10


def test_inflows_probability_and_bad_values(tmp_path):
    grid = GridNetwork(rows=1, cols=1)
    net = grid.build()
    flows = (
        InFlows()
        .add("left0A0", to="A0right0", probability=0.2)
        .add("bottom0A0", to="A0top0", vehs_per_hour=360, end=300)
    )
    text = flows.write(tmp_path / "f.rou.xml").read_text()
    assert 'probability="0.2"' in text and 'vehsPerHour="360"' in text
    with pytest.raises(ConfigError, match="exactly one of vehs_per_hour=, period=, probability= or number="):
        InFlows().add("left0A0", to="A0right0")
    with pytest.raises(ConfigError, match=r"probability=1.5 must be within"):
        InFlows().add("left0A0", to="A0right0", probability=1.5)
    with pytest.raises(ConfigError, match="InFlows is empty"):
        InFlows().write(tmp_path / "x.rou.xml")
    env = flowlights.parallel_env(net_file=net, route_file=tmp_path / "f.rou.xml", end=300)
    try:
        run_random_episode(env)
        assert env.metrics()["arrived"] > 30
    finally:
        env.close()


def test_bad_grid_parameters():
    with pytest.raises(ConfigError, match=r"rows=0, cols=2"):
        GridNetwork(rows=0, cols=2)
    with pytest.raises(ConfigError, match=r"lanes=0 must be >= 1"):
        GridNetwork(lanes=0)


def test_single_green_lights_keep_their_program_unless_included(tmp_path):
    from flowlights.envs.multi_env import has_choice
    from flowlights.networks.generated import RandomNetwork
    from flowlights.networks.topology import read_net

    net = RandomNetwork().build()
    topo = read_net(net)
    single = [t for t in topo.lights if not has_choice(topo, t)]
    assert single, "the random network has lights with one green (netgenerate's fringe junctions)"
    routes = tmp_path / "single-green.rou.xml"
    edge = next(iter(topo.edge_ends))
    routes.write_text(f'<routes><flow id="f" from="{edge}" to="{edge}" begin="0" end="10" number="1"/></routes>')
    env = flowlights.parallel_env(net_file=str(net), route_file=str(routes), end=60)
    assert not set(single) & set(env.possible_agents) and len(env.possible_agents) == len(topo.lights) - len(single)
    assert all(env.action_space(a).n >= 2 for a in env.possible_agents)
    everyone = flowlights.parallel_env(net_file=str(net), route_file=str(routes), end=60, include_single_green=True)
    assert set(everyone.possible_agents) == set(topo.lights)
    explicit = flowlights.parallel_env(net_file=str(net), route_file=str(routes), end=60, tls_ids=[single[0]])
    assert explicit.possible_agents == [single[0]], "naming a light in tls_ids controls it whatever its program"
