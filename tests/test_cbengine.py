"""CBEngine (KDD Cup 2021 City Brain Challenge) on SUMO: formats, conversion, the Gym API, the kit's
evaluate.py flow with agent folders written for these tests, scores checked against SUMO's own trips."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conftest import run_and_check
from flowlights.cbengine.evaluate import cbengine_evaluate, kit_structures
from flowlights.cbengine.generate import write_grid
from flowlights.errors import ConfigError
from flowlights.networks.cbengine_formats import read_flows, read_roadnet, read_simulator_cfg
from flowlights.networks.cbengine_network import PHASE_MOVEMENTS, load_scenario, phase_state
from needs import need_module

AGENTS = Path(__file__).parent / "cbengine_agents"


@pytest.fixture(scope="module")
def grid(tmp_path_factory) -> Path:
    """A 2x2 grid of signals with one boundary arm missing (a 3-arm signal), 900 s of busy traffic."""
    return write_grid(tmp_path_factory.mktemp("cbengine"), vehicles_per_hour=2500, seconds=900, missing=(0,))


def test_formats_read_back_what_was_written(grid):
    config = read_simulator_cfg(grid)
    assert (config.start_time, config.max_time, config.report_log_rate) == (0, 900, 10)
    net = read_roadnet(config.road_file)
    assert len(net.signals) == 4 and len(net.intersections) == 12
    three_arm = [s for s, out in net.signals.items() if -1 in out]
    assert len(three_arm) == 1
    for sid, out in net.signals.items():
        for road, incoming in zip(out, net.in_roads(sid)):
            if road != -1:  # incoming road k is the inverse of outgoing road k, and ends at the signal
                assert net.roads[road].start == sid and net.roads[incoming].end == sid
    flows = read_flows(config.flow_file, net.roads)
    assert flows and all(f.departures() == [f.start] for f in flows)  # one vehicle per flow (start == end)
    intersections, roads, agents = kit_structures(net)
    sid = three_arm[0]
    assert len(agents[sid]) == 8 and agents[sid].count(-1) == 2
    assert intersections[sid]["lanes"].count(-1) == 6 and len(intersections[sid]["lanes"]) == 24
    assert roads[1]["lanes"] == {100: [1, 0, 0], 101: [0, 1, 0], 102: [0, 1, 1]}


@pytest.mark.parametrize(
    "text, message",
    [
        ("2\n30 120 0 1\n", "ends early"),
        ("1\n30 120 0 1\n1\n0 5 30 20 1 1 1 2\n1 1 1\n1 1 1\n0\n", "intersection 5"),
        ("2\n30 120 0 1\n31 120 1 0\n1\n0 1 30 20 2 1 1 2\n1 1 1\n1 1 1\n0\n", "expected 2 lanes"),
        ("2\n30 120 0 1\n31 120 1 0\n1\n0 1 30 20 1 1 1 2\n1 1 1\n1 1 1\n1\n0 2 -1 -1 -1\n", "does not leave it"),
    ],
)
def test_bad_road_networks_name_the_line(tmp_path, text, message):
    path = tmp_path / "roadnet.txt"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message):
        read_roadnet(path)


def test_broken_route_and_missing_cfg_keys(tmp_path):
    cfg = write_grid(tmp_path / "g", vehicles_per_hour=100, seconds=120)
    net = read_roadnet(read_simulator_cfg(cfg).road_file)
    (tmp_path / "bad_flow.txt").write_text("1\n0 10 5\n2\n1 1\n")
    with pytest.raises(ConfigError, match="does not lead to road 1"):
        read_flows(tmp_path / "bad_flow.txt", net.roads)
    (tmp_path / "bad.cfg").write_text("start_time_epoch = 0\nroad_file_addr : x.txt\n")
    with pytest.raises(ConfigError, match="vehicle_file_addr"):
        read_simulator_cfg(tmp_path / "bad.cfg")


def test_conversion_connections_and_phases(grid):
    """Every lane turn the file allows is a SUMO connection to the road that turn reaches, and nothing else;
    the light's greens are CBEngine's phases; no two priority greens of a phase are SUMO junction foes."""
    import sumolib

    from flowlights.signals.raw_state import junction_foes

    scenario = load_scenario(grid)
    net = sumolib.net.readNet(str(scenario.network.net_file), withPrograms=True)
    foes = junction_foes(str(scenario.network.net_file))
    roadnet = scenario.roadnet
    for sid, out_roads in roadnet.signals.items():
        expected = set()
        for slot, road_id in enumerate(roadnet.in_roads(sid)):
            if road_id == -1:
                continue
            road = roadnet.roads[road_id]
            for i, (left, straight, right) in enumerate(road.lanes):
                for turn, allowed in enumerate((left, straight, right)):
                    target = out_roads[(slot + 1 + turn) % 4]
                    if allowed and target != -1:
                        expected.add((str(road_id), len(road.lanes) - 1 - i, str(target)))
        tls = net.getTLS(str(sid))
        built = {(c[0].getEdge().getID(), c[0].getIndex(), c[1].getEdge().getID()) for c in tls.getConnections()}
        assert built == expected, f"signal {sid}"
        program = list(tls.getPrograms().values())[0]
        states = [p.state for p in program.getPhases()]
        links = scenario.links[sid]
        assert states == [phase_state(links, p) for p in PHASE_MOVEMENTS if "G" in phase_state(links, p)]
        assert len(states) == 8 if -1 not in out_roads else 4 <= len(states) < 8  # 3 arms: some phases move nothing
        by_index = {c[2]: c for c in tls.getConnections()}
        for phase in PHASE_MOVEMENTS:
            state = phase_state(links, phase)
            movers = [i for i, ch in enumerate(state) if ch == "G"]
            for i in movers:  # each G link belongs to one of the phase's movements
                assert (links[i].slot, links[i].turn) in PHASE_MOVEMENTS[phase]
                assert by_index[i][1].getEdge().getID() == str(links[i].to_road)
            junction = foes.get(str(sid), {})
            for a in movers:
                assert not (junction.get(a, set()) & set(movers)), f"signal {sid} phase {phase}: foes both G"
        assert all(state[i] == "g" for state in states for i, l in enumerate(links) if l.turn == 2)  # rights


def test_gym_api(grid):
    import gym  # the alias flowlights installs where the old package is absent, as the kit's code imports it

    env = gym.make(
        "CBEngine-v0",
        simulator_cfg_file=str(grid),
        thread_num=1,
        gym_dict={"observation_features": ["lane_speed", "lane_vehicle_num"]},
    )
    try:
        world = env.unwrapped.world
        observation, info = env.reset()
        agents = world.agent_ids
        assert set(observation) == {f"{a}_{f}" for a in agents for f in ("lane_speed", "lane_vehicle_num")}
        assert info["step"] == 0
        three_arm = next(a for a in agents if -1 in world.lane_ids(a))
        env.unwrapped.set_warning(False)
        seen_vehicles = False
        for step in range(1, 13):
            observation, reward, dones, info = env.step({int(three_arm): 1 + step % 8})
            now = int(world.time)
            assert now == 10 * step  # one step is 10 simulated seconds
            for a in agents:
                speeds, counts = observation[f"{a}_lane_speed"], observation[f"{a}_lane_vehicle_num"]
                assert speeds[0] == counts[0] == now and len(counts) == 25
                lanes = world.lanes[a]
                for k, lane in enumerate(lanes):
                    if lane is None:
                        assert counts[k + 1] == -1 and speeds[k + 1] == -1 and reward[int(a)][k] == -1
                    else:
                        n = world.env.sim.api.lane.getLastStepVehicleNumber(lane)
                        assert counts[k + 1] == n
                        assert (speeds[k + 1] == -2) == (n == 0)
                        came, left = reward[int(a)][k]
                        assert came >= 0 and left >= 0
            assert set(dones) == {int(a) for a in agents} and not any(dones.values())
            vehicles = {k: v for k, v in info.items() if k != "step"}
            assert info["step"] == step
            for vid, v in vehicles.items():
                seen_vehicles = True
                assert set(v) == {"distance", "drivable", "road", "route", "speed", "start_time", "t_ff"}
                road = int(v["road"][0])
                assert v["route"][0] == road and int(v["drivable"][0]) // 100 in (road, -1)  # -1: in a junction
                assert 0 <= v["distance"][0] <= world.roadnet.roads[road].length + 1e-6
                assert v["start_time"][0] <= now and v["t_ff"][0] > 0
        assert seen_vehicles
        # phases: the light shows CBEngine's phase asked; a light left out keeps its phase
        other = next(a for a in agents if a != three_arm)
        env.step({int(other): 4})
        env.step({})
        env.step({})
        assert world.env.controller.machines[other].state == phase_state(world.scenario.links[int(other)], 4)
        links = world.scenario.links[int(three_arm)]
        idle = next(p for p in PHASE_MOVEMENTS if "G" not in phase_state(links, p))  # moves nothing at 3 arms
        before = world.phase[three_arm]
        env.step({int(three_arm): idle})
        assert world.phase[three_arm] == before  # kept, as docs/cbengine.md says
        with pytest.raises(ConfigError, match="there is no 0"):
            env.step({int(other): 0})
        with pytest.raises(ConfigError, match="no such signal"):
            env.step({"nope": 1})
    finally:
        env.close()


def test_round3_observation_form_and_classic(grid):
    from flowlights.cbengine.gym_env import CBEngineEnv

    env = CBEngineEnv(
        grid, gym_dict={"observation_features": ["lane_vehicle_num", "classic"], "observation_dimension": 40}
    )
    try:
        env.reset()
        for _ in range(6):
            observation, _, _, _ = env.step({})
        agent = env.agents[0]
        values = observation[agent]["observation"]
        assert isinstance(agent, str) and len(values) == 40
        counts, classic = values[:24], values[24:]
        assert classic[:8] == [max(0, counts[3 * r + t]) for r in range(4) for t in (0, 1)]
        assert classic[8:] == [1, 0, 0, 0, 1, 0, 0, 0]  # phase 1: left turns of roads 0 and 2
    finally:
        env.close()
    with pytest.raises(ConfigError, match="observation_dimension to 40"):
        CBEngineEnv(
            grid, gym_dict={"observation_features": ["lane_vehicle_num", "classic"], "observation_dimension": 24}
        )
    with pytest.raises(ConfigError, match="unknown"):
        CBEngineEnv(grid, gym_dict={"observation_features": ["lane_density"]})


def test_phase_changes_are_safe(grid, tmp_path):
    """Under protocol cbengine (random phases every 10 s): yellow before red, 5 s with no new green after a
    change (3 s yellow + 2 s all-red), only derived states — read from the states SUMO recorded."""
    env = run_and_check(tmp_path, scenario=f"cbengine:{grid}", protocol="cbengine", end=400)
    assert (env.env_params.delta_time, env.env_params.yellow, env.env_params.all_red) == (10.0, 3.0, 2.0)


def _parse_log(path: Path) -> dict[int, dict]:
    """The info_step log, read independently (the kit's line format)."""
    lines = [line.split() for line in path.read_text().splitlines()]
    vehicles = {}
    for i, parts in enumerate(lines):
        if parts and parts[0] == "for":
            fields = {lines[i + k][0]: lines[i + k][2:] for k in range(1, 9)}
            vehicles[int(parts[2])] = {k: [float(x) for x in v] for k, v in fields.items()}
    return vehicles


def test_evaluate_agent_folders(grid, tmp_path):
    """The fixed cycle and the max-pressure agent run unchanged through 'flowlights cbengine-evaluate';
    max pressure scores a lower delay index; the score equals one recomputed from the logged vehicles, and the
    logged trips of finished vehicles match SUMO's own tripinfo."""
    scores = {}
    for name in ("fixed_cycle", "max_pressure"):
        out, logs, trips = tmp_path / name / "out", tmp_path / name / "log", tmp_path / name / "trips.xml"
        cbengine_evaluate(
            AGENTS / name,
            out,
            grid,
            metric_period=300,
            threshold=100.0,
            vehicle_info_path=logs,
            sim_options={"tripinfo_output": str(trips)},
        )
        result = json.loads((out / "flow" / "scores.json").read_text())
        assert result["success"] and result["error_msg"] == ""
        scores[name] = result["data"]
        assert sorted(p.name for p in (out / "flow").glob("scores *.json")) == [
            "scores 299.json",
            "scores 599.json",
            "scores 899.json",
        ]
        vehicles = _parse_log(logs / "flow" / "info_step 899.log")
        roadnet = read_roadnet(read_simulator_cfg(grid).road_file)
        indices = []
        for v in vehicles.values():
            route, distance = [int(r) for r in v["route"]], v["distance"][0]
            rest = (roadnet.roads[route[0]].length - distance) / roadnet.roads[route[0]].speed_limit + sum(
                roadnet.roads[r].length / roadnet.roads[r].speed_limit for r in route[1:]
            )
            indices.append((v["step"][0] - v["start_time"][0] + rest) / v["t_ff"][0])
        assert len(vehicles) == result["data"]["total_served_vehicles"]
        assert sum(indices) / len(indices) == pytest.approx(result["data"]["delay_index"], rel=1e-6)
        sumo_trips = {int(t.get("id")): t for t in ET.parse(trips).getroot().iter("tripinfo")}
        finished = [vid for vid, v in vehicles.items() if vid in sumo_trips]
        assert len(finished) > 100
        for vid in finished:
            trip, v = sumo_trips[vid], vehicles[vid]
            scheduled = float(trip.get("depart")) - float(trip.get("departDelay"))
            assert v["start_time"][0] == pytest.approx(scheduled)
            assert v["step"][0] == pytest.approx(float(trip.get("arrival")))
        assert all(v["step"][0] == 900 for vid, v in vehicles.items() if vid not in sumo_trips)  # still driving
    assert scores["max_pressure"]["total_served_vehicles"] == scores["fixed_cycle"]["total_served_vehicles"]
    assert scores["max_pressure"]["delay_index"] < scores["fixed_cycle"]["delay_index"]


def test_threshold_stops_and_errors_land_in_scores(grid, tmp_path):
    cbengine_evaluate(
        AGENTS / "fixed_cycle",
        tmp_path / "out",
        grid,
        metric_period=100,
        threshold=1.0,
        vehicle_info_path=tmp_path / "log",
    )
    assert [p.name for p in (tmp_path / "out" / "flow").glob("scores *.json")] == ["scores 99.json"]
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "gym_cfg.py").write_text((AGENTS / "fixed_cycle" / "gym_cfg.py").read_text())
    (broken / "agent.py").write_text("agent_specs = {'test': object()}\n")
    with pytest.raises(ConfigError, match="load_agent_list"):
        cbengine_evaluate(broken, tmp_path / "out2", grid, vehicle_info_path=tmp_path / "log2")
    result = json.loads((tmp_path / "out2" / "flow" / "scores.json").read_text())
    assert result["success"] is False and "load_agent_list" in result["error_msg"]


def test_cli_and_baselines_on_a_cbengine_scenario(grid, tmp_path):
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "flowlights.cli",
            "cbengine-evaluate",
            "--input_dir",
            str(AGENTS / "max_pressure"),
            "--output_dir",
            str(tmp_path / "out"),
            "--sim_cfg",
            str(grid),
            "--metric_period",
            "300",
            "--threshold",
            "100",
            "--vehicle_info_path",
            str(tmp_path / "log"),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "delay_index" in done.stdout
    from flowlights.evaluation.evaluate import evaluate

    for controller in ("max_pressure", "fixed"):  # our baselines on the converted scenario, CBEngine's MDP
        report = evaluate(f"cbengine:{grid}", controller, episodes=1, progress=False, protocol="cbengine", end=300)
        assert report["protocol"] == "cbengine" and report["episodes"][0]["throughput"] > 50


def test_our_baselines_scored_as_cbengine_agents(grid, tmp_path):
    """max_pressure and fixed behind the kit's agent interface: same scoring, and CBEngine phases that show
    the green the controller chose."""
    scores = {}
    for name in ("max_pressure", "fixed"):
        result = cbengine_evaluate(
            None,
            tmp_path / name,
            grid,
            metric_period=300,
            threshold=100.0,
            vehicle_info_path=tmp_path / f"log_{name}",
            controller=name,
        )
        scores[name] = result["data"]["delay_index"]
        assert result["success"] and result["data"]["total_served_vehicles"] > 300
    assert scores["max_pressure"] < scores["fixed"]
    with pytest.raises(ConfigError, match="--input_dir"):
        cbengine_evaluate(AGENTS / "fixed_cycle", tmp_path / "x", grid, controller="fixed")


def test_rllib_env_and_training_on_a_cbengine_scenario(grid, tmp_path):
    """The final round's RLlib env trains with RLlib's PPO; 'flowlights train' trains our env on the converted
    scenario under protocol cbengine, and the run is scored by cbengine-evaluate --checkpoint."""
    need_module("ray.rllib", "rllib")
    from ray.rllib.algorithms.ppo import PPOConfig
    from ray.tune.registry import register_env

    from conftest import flowlights as flowlights_cli
    from flowlights.cbengine.rllib_env import CBEngineRLlibEnv
    from flowlights.training.ray_session import ray_session

    config = {
        "simulator_cfg_file": str(grid),
        "gym_dict": {"observation_features": ["lane_vehicle_num", "classic"], "observation_dimension": 40},
    }
    env = CBEngineRLlibEnv(config)
    try:
        observations, _ = env.reset()
        for _ in range(8):
            observations, rewards, terms, truncs, _ = env.step({a: 2 for a in env.agents})
        for agent, obs in observations.items():
            assert obs.shape == (40,) and env.observation_spaces[agent].contains(obs)
            counts = obs[:24]
            assert rewards[agent] == pytest.approx(
                counts[12:][counts[12:] >= 0].sum() - counts[:12][counts[:12] >= 0].sum()
            )
        four_arms = next(a for a in env.agents if -1 not in env.agent_signals[int(a)])  # phase 2 moves traffic there
        assert truncs["__all__"] is False and env.agent_curphase[int(four_arms)] == 2
    finally:
        env.close()

    with ray_session(num_cpus=1):
        register_env("cbengine-test", lambda cfg: CBEngineRLlibEnv({**config, **cfg}))
        algo = (
            PPOConfig()
            .environment("cbengine-test")
            .env_runners(num_env_runners=0)
            .multi_agent(policies={"shared"}, policy_mapping_fn=lambda agent, *a, **k: "shared")
            .training(train_batch_size_per_learner=90, minibatch_size=45, num_epochs=1)
        ).build_algo()
        try:
            result = algo.train()
            assert result["env_runners"]["num_env_steps_sampled_lifetime"] >= 90
        finally:
            algo.stop()  # its env (libsumo, in this process) closes with it

    cfg = tmp_path / "cbengine.yaml"
    cfg.write_text(f"""
exp_tag: cbengine_tiny
env_name: TrafficLightEnv
network: NetworkFile
simulator: libsumo
protocol: cbengine
sim: {{end: 300}}
env: {{reward: queue, observation: [phase, queue, pressure], pad_observations: true}}
net: {{scenario: "cbengine:{grid}"}}
policies: shared
training: {{train_batch_size_per_learner: 60, minibatch_size: 30, num_epochs: 1, fcnet_hiddens: [16]}}
""")
    done = flowlights_cli(
        "train", str(cfg), "--iterations", "1", "--num-env-runners", "0", "--out", str(tmp_path / "runs")
    )
    assert done.returncode == 0, done.stderr[-3000:]
    run_dir = next((tmp_path / "runs").iterdir())
    result = cbengine_evaluate(
        None,
        tmp_path / "scores",
        grid,
        metric_period=300,
        threshold=100.0,
        vehicle_info_path=tmp_path / "log",
        controller=str(run_dir),
    )
    assert result["success"] and result["data"]["total_served_vehicles"] > 300


def test_custom_observation_folder_runs_its_own_cbengine_round3(grid, tmp_path):
    """A final-round folder with custom_observation=True: its CBEngine_round3 (importing citypb and subclassing
    CBEngine_rllib, as the kit's) runs on flowlights' RLlib env and engine calls; its observations, made from
    self.eng.get_lane_vehicles(), equal the Gym API's lane_vehicle_num, so it scores as the same agent does."""
    from flowlights.cbengine.evaluate import load_agent_folder
    from flowlights.cbengine.gym_env import CBEngineEnv

    agent, cfg, round3 = load_agent_folder(AGENTS / "custom_round3")
    assert cfg["custom_observation"] and round3.__name__ == "CBEngine_round3"
    env = round3({"simulator_cfg_file": str(grid), "gym_dict": cfg})
    reference = CBEngineEnv(
        grid, gym_dict={"observation_features": ["lane_vehicle_num"], "observation_dimension": 24}, backend="traci"
    )  # libsumo runs one simulation per process
    try:
        env.reset()
        reference.reset()
        for _ in range(10):
            observations, *_ = env.step({})
            expected, *_ = reference.step({})
            in_junction = sum(v["drivable"][0] == -1 for v in (env.world.vehicle_info(x) for x in env.world.running()))
            got = sum(sum(c for c in o["observation"] if c > 0) for o in observations.values())
            want = sum(sum(c for c in o["observation"] if c > 0) for o in expected.values())
            assert got == want, f"{in_junction} vehicles in junctions"
    finally:
        env.close()
        reference.close()
    import citypb

    with pytest.raises(ConfigError, match="not available"):
        citypb.Engine  # noqa: B018
    results = {}
    for name in ("custom_round3", "max_pressure"):
        results[name] = cbengine_evaluate(
            AGENTS / name,
            tmp_path / name,
            grid,
            metric_period=300,
            threshold=100.0,
            vehicle_info_path=tmp_path / f"log_{name}",
        )["data"]
    assert results["custom_round3"] == results["max_pressure"]


def test_thread_num_is_accepted_with_one_warning(grid, monkeypatch):
    """CBEngine's thread_num has no effect on SUMO: a value above 1 says so once per process, not at every env."""
    import warnings

    from flowlights.cbengine import gym_env

    monkeypatch.setattr(gym_env, "_THREADS_WARNED", [])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(2):
            gym_env.CBEngineEnv(simulator_cfg_file=str(grid), thread_num=8).close()
        gym_env.CBEngineEnv(simulator_cfg_file=str(grid), thread_num=1).close()
    said = [w for w in caught if "thread_num=8 has no effect" in str(w.message)]
    assert len(said) == 1, [str(w.message) for w in caught]
