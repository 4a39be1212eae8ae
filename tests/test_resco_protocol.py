"""Protocol 'resco' and the classical controllers measured against RESCO's definitions:
yellow placement read back from the states SUMO recorded, max-pressure's choice against a
pressure computed here from SUMO's raw vehicle data, detection reaching upstream of short lanes."""

from __future__ import annotations

import numpy as np
import pytest

import flowlights
from conftest import flowlights as run_flowlights
from conftest import read_tls_states, resco_cfg, tls_recorder
from flowlights.baselines.greedy import Greedy
from flowlights.baselines.max_pressure import MaxPressure
from flowlights.errors import ConfigError
from flowlights.features.rewards import get_reward
from flowlights.networks.detection import detection_zones
from flowlights.signals.phases import GREEN, green_phases


def runs_of(states: list[str]) -> list[tuple[int, str, int]]:
    """(start record, state, length) of each run of equal states."""
    runs: list[list] = []
    for i, s in enumerate(states):
        if runs and runs[-1][1] == s:
            runs[-1][2] += 1
        else:
            runs.append([i, s, 1])
    return [tuple(r) for r in runs]


def check_resco_timing(tmp_path, delta: int, yellow: int, **kwargs) -> None:
    args, out = tls_recorder(tmp_path)
    env = flowlights.parallel_env(protocol="resco", sumo_args=args, **kwargs)
    assert (env.env_params.delta_time, env.env_params.yellow, env.env_params.all_red) == (delta, yellow, 0.0)
    assert env.env_params.max_green is None and env.sim_params.time_to_teleport == -1
    try:
        env.reset(seed=3)
        for i, agent in enumerate(env.possible_agents):
            env.action_space(agent).seed(i)
        while env.agents:
            env.step({a: env.action_space(a).sample() for a in env.agents})
    finally:
        env.close()
    records = read_tls_states(out)
    switched_at_first_decision = 0
    for tls in env.possible_agents:
        states = [s for _, s in records[tls]]
        greens = set(green_phases(env.topology.lights[tls].states))
        runs = runs_of(states)
        yellows = [(start, s, n) for start, s, n in runs if s not in greens]
        assert yellows, f"{tls}: random actions never changed the green"
        starts = {start % delta for start, _, _ in yellows}
        assert len(starts) == 1, f"{tls}: yellows start at different offsets within a step: {sorted(starts)}"
        switched_at_first_decision += yellows[0][0] <= 1  # its first yellow began at the first decision
        for k, (start, s, n) in enumerate(runs):
            if s not in greens:  # a transition: only yellow (no all-red), exactly `yellow` s, then a green
                assert n == yellow, f"{tls}: transition {s!r} lasted {n} s, RESCO's yellow is {yellow}"
                if k > 0:
                    assert all(c not in GREEN or c == prev for c, prev in zip(s, runs[k - 1][1])), (
                        f"{tls}: {s!r} shows a new green"
                    )
                if k + 1 < len(runs):
                    assert runs[k + 1][1] in greens, f"{tls}: {s!r} is followed by {runs[k + 1][1]!r}, not a green"
            elif 0 < k < len(runs) - 1:  # a whole green: the rest of its step, plus whole steps
                assert (n + yellow) % delta == 0, f"{tls}: green {s!r} lasted {n} s, not the rest of a {delta} s step"
    assert switched_at_first_decision > 0, "no light could switch at its first decision (RESCO's lights can)"


def test_resco_protocol_timing_on_bundled_grid(tmp_path):
    check_resco_timing(tmp_path, delta=10, yellow=3, scenario="grid2x2", end=900)


def test_resco_protocol_arterial_settings(tmp_path):
    check_resco_timing(tmp_path, delta=5, yellow=2, sumocfg=str(resco_cfg("arterial4x4")), end=600)


def test_protocol_conflicts_name_both():
    with pytest.raises(ConfigError, match="delta_time=7.0 conflicts with protocol='resco', which sets delta_time=10.0"):
        flowlights.parallel_env(scenario="grid2x2", protocol="resco", delta_time=7.0)
    with pytest.raises(ConfigError, match="all_red=1.0 conflicts with protocol='resco', which sets all_red=0.0"):
        flowlights.parallel_env(scenario="grid2x2", protocol="resco", all_red=1.0)
    with pytest.raises(ConfigError, match="delta_time=5.0 conflicts with protocol='resco', which sets delta_time=10.0"):
        flowlights.parallel_env(scenario="grid2x2", protocol="resco", delta_time=5.0)  # named at its default
    done = run_flowlights(
        "evaluate", "--scenario", "grid2x2", "--protocol", "resco", "--delta-time", "5", "--end", "60"
    )
    assert done.returncode == 2 and "delta_time=5.0 conflicts with protocol='resco'" in done.stderr, done.stderr
    with pytest.raises(ConfigError, match="protocol='nope' is unknown; use one of flowlights, resco"):
        flowlights.parallel_env(scenario="grid2x2", protocol="nope")
    same = flowlights.parallel_env(
        scenario="grid2x2", protocol="resco", delta_time=10.0, all_red=0.0
    )  # agreeing is fine
    assert same.env_params.min_green == 7.0


class NearMaxPressure(MaxPressure):
    distance = 100.0  # shorter than every incoming lane of the bundled grid: each zone is the lane's last 100 m


def hand_pressures(api, tls: str, greens: list[str], controlled: set[str], waited: set[str]) -> np.ndarray:
    """Pressure of each green from SUMO's raw data, computed without flowlights' movement code."""

    def queued(lane: str) -> int:
        start = api.lane.getLength(lane) - 100.0
        count = 0
        for vid in api.lane.getLastStepVehicleIDs(lane):
            if api.vehicle.getLanePosition(vid) >= start and (vid in waited or api.vehicle.getWaitingTime(vid) > 0):
                count += 1
        return count

    entering = {t: {link[0][0] for link in api.trafficlight.getControlledLinks(t) if link} for t in controlled}
    movements: dict[tuple[str, str], dict] = {}
    for index, link in enumerate(api.trafficlight.getControlledLinks(tls)):
        in_lane, out_lane, _ = link[0]
        key = (api.lane.getEdgeID(in_lane), api.lane.getEdgeID(out_lane))
        movement = movements.setdefault(key, {"links": set(), "in": set()})
        movement["links"].add(index)
        movement["in"].add(in_lane)
    scores = np.zeros(len(greens))
    for (_, out_edge), movement in movements.items():
        fed = [lane for t in controlled for lane in entering[t] if api.lane.getEdgeID(lane) == out_edge]
        pressure = sum(queued(lane) for lane in movement["in"]) - sum(queued(lane) for lane in fed)
        for g, state in enumerate(greens):
            if any(state[i] in GREEN for i in movement["links"]):
                scores[g] += pressure
    return scores


def test_max_pressure_takes_the_hand_computed_best_green():
    env = flowlights.parallel_env(scenario="grid2x2", protocol="resco", end=900)
    controller = NearMaxPressure()
    checked = 0
    try:
        obs, _ = env.reset(seed=5)
        controller.reset(env)
        api, controlled = env.sim.api, set(env.possible_agents)
        waited: set[str] = set()
        while env.agents:
            before = {t: env.controller.machines[t].green for t in env.agents}
            expected = {
                t: hand_pressures(api, t, env.controller.machines[t].greens, controlled, waited) for t in env.agents
            }
            actions = controller.act(env, obs)
            waited = set(controller.counter._waited)  # the vehicles seen waiting so far (RESCO keeps them queued)
            for tls, action in actions.items():
                machine, scores = env.controller.machines[tls], expected[tls]
                if machine.can_switch and scores.max() > scores[before[tls]]:
                    assert scores[action] == scores.max(), f"{tls}: chose green {action} ({scores[action]}) of {scores}"
                    checked += 1
                else:
                    assert action == before[tls]
            obs, *_ = env.step(actions)
    finally:
        env.close()
    assert checked > 20, f"only {checked} decisions had a better green to take"


def test_detection_reaches_upstream_of_short_lanes():
    env = flowlights.parallel_env(scenario="single")
    topo = env.topology
    lane = topo.lights[env.possible_agents[0]].incoming_lanes[0]
    assert topo.lanes[lane].length < 50
    zone = detection_zones(topo, [lane], 50.0)[lane]
    assert zone[0] == (lane, 0.0, 1.0)
    upstream = zone[1:]
    assert upstream, "a 4 m lane's zone must reach the lanes before it"
    for other, offset, weight in upstream:
        assert offset >= topo.lanes[lane].length and 0 < weight <= 1
        assert (
            other in {l for src, targets in topo.lane_links.items() for l in [src] if lane in targets}
            or offset > topo.lanes[lane].length
        )
    assert min(offset for _, offset, _ in upstream) < 50.0
    far = detection_zones(topo, [lane], 2.0)[lane]
    assert far == [(lane, 0.0, 1.0)], "a zone shorter than the lane stays on it"


@pytest.mark.parametrize("controller", [MaxPressure, Greedy])
def test_movement_controllers_beat_fixed_on_unbalanced_demand(controller):
    """Sanity on a RESCO real network: both beat the net's own program on resco_delay (1 episode)."""
    from flowlights.evaluation.evaluate import evaluate

    cfg = str(resco_cfg("cologne8"))
    ours = evaluate(cfg, controller(), episodes=1, seed=100, progress=False, protocol="resco", end=28800 - 1800)
    program = evaluate(cfg, "program", episodes=1, seed=100, progress=False, protocol="resco", end=28800 - 1800)
    assert ours["summary"]["resco_delay"]["mean"] < 0.8 * program["summary"]["resco_delay"]["mean"]


def zone_counts_by_hand(api, lane: str, distance: float, upstream: list[tuple[str, float, float]], waited: set[str]):
    """Vehicles within ``distance`` of ``lane``'s end, on it or on its zone's upstream lanes, from SUMO's raw data:
    (near, queued, the queued ones' current SUMO waiting time — a floor of their wait in the zone)."""
    near = queued = stopped = 0.0
    for other, offset, weight in [(lane, 0.0, 1.0)] + upstream:
        length = api.lane.getLength(other)
        for vid in api.lane.getLastStepVehicleIDs(other):
            if length - api.vehicle.getLanePosition(vid) + offset <= distance:
                near += weight
                is_queued = vid in waited or api.vehicle.getWaitingTime(vid) > 0
                queued += weight if is_queued else 0.0
                stopped += weight * api.vehicle.getWaitingTime(vid) if is_queued else 0.0
    return near, queued, stopped


def test_zone_observations_and_reward_count_vehicles_upstream_of_short_lanes():
    """On ingolstadt7 (short lanes into the lights) the zone features see the queue that whole-lane ones miss."""
    cfg = str(resco_cfg("ingolstadt7"))
    env = flowlights.parallel_env(
        sumocfg=cfg,
        protocol="resco",
        end=57600 + 1200,
        observation=["zone_queue", "zone_approach"],
        reward="zone_queue",
        detection_distance=150.0,
    )
    try:
        env.reset(seed=2)
        for i, agent in enumerate(env.possible_agents):
            env.action_space(agent).seed(i)
        zone_total = lane_total = wait_total = wait_above_stop = 0.0
        while env.agents:
            obs, rewards, *_ = env.step({a: env.action_space(a).sample() for a in env.agents})
            if not env.agents:
                break
            m, api = env.measures, env.sim.api
            waited = set(env.zone_counter._waited)
            for tls in env.agents:
                view = env.views[tls]
                lanes = env.topology.lights[tls].incoming_lanes
                zones = detection_zones(env.topology, lanes, 150.0)
                by_hand = [zone_counts_by_hand(api, lane, 150.0, zones[lane][1:], waited) for lane in lanes]
                queued = np.array([q for _, q, _ in by_hand])
                assert np.allclose(m.zone_queued[view.in_idx], queued), tls
                # RESCO's total_wait: since each queued vehicle first stopped in the zone, so at least its current stop,
                # at most the time since the episode began (0 where nothing is queued)
                stopped = np.array([w for _, _, w in by_hand])
                wait = m.zone_wait[view.in_idx]
                assert np.all(wait >= stopped - 1e-6) and np.all(
                    wait <= queued * (api.simulation.getTime() - 57600) + 1e-6
                ), tls
                assert get_reward("zone_wait")(view, m, {}) == pytest.approx(
                    -wait.sum() / 224.0
                )  # RESCO's wait_norm, unclipped
                wait_total += wait.sum()
                wait_above_stop += (wait > stopped + 1e-6).sum()
                assert rewards[tls] == pytest.approx(-queued.sum())
                capacity = 150.0 / 7.5
                assert np.allclose(obs[tls][: len(lanes)], np.minimum(queued / capacity, 1.0))
                zone_total += queued.sum()
                lane_total += m.halting[view.in_idx].sum() if "halting" in env.sensor.names else 0.0
        assert zone_total > 0 and wait_total > 0
        assert wait_above_stop > 0, "a vehicle that moved up the queue keeps the wait it had in the zone"
    finally:
        env.close()
    with pytest.raises(ConfigError, match="detection_distance=0 must be > 0 metres"):
        flowlights.parallel_env(sumocfg=cfg, detection_distance=0)


PY_CONFIG = """
from flowlights.params import EnvParams, SumoParams
from flowlights.experiment_params import NetParams

flow_params = dict(
    exp_tag="named",
    env_name="TrafficLightEnv",
    network="NetworkFile",
    simulator="traci",
    sim=SumoParams(),
    env=EnvParams(protocol="resco", {setting}),
    net=NetParams(scenario="grid2x2"),
)
"""


@pytest.mark.parametrize("setting", ["delta_time=5.0", "all_red=2.0", "min_green=5.0"])  # each at flowlights' default
def test_a_config_naming_a_setting_at_its_default_conflicts_with_its_protocol(tmp_path, setting):
    from flowlights.training.experiment import load_experiment

    name, value = setting.split("=")
    module = tmp_path / "named.py"
    module.write_text(PY_CONFIG.format(setting=setting))
    with pytest.raises(ConfigError, match=f"named.py: {name}={value} conflicts with protocol='resco'"):
        load_experiment(module)
    yaml_config = tmp_path / "named.yaml"
    yaml_config.write_text(
        f"exp_tag: named\nenv_name: TrafficLightEnv\nnetwork: NetworkFile\nsimulator: traci\nsim: {{}}\n"
        f"env: {{protocol: resco, {name}: {value}}}\nnet: {{scenario: grid2x2}}\n"
    )
    with pytest.raises(ConfigError, match=f"named.yaml: {name}={value} conflicts with protocol='resco'"):
        load_experiment(yaml_config)
    module.write_text(PY_CONFIG.format(setting="min_green=7.0"))  # agreeing with the protocol is fine
    assert load_experiment(module).flow_params["env"].min_green == 7.0
