"""Flow env classes on flowlights: the kernel (env.k), rings with Python IDM and RL vehicles, Flow's
traffic-light grid with raw states kept safe, a user's own MultiEnv, and Flow's example configs
trained with train_rllib.py and replayed with visualizer_rllib.py (tests/flow_configs)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from conftest import REPO, sumo_children
from flowlights.controllers import ContinuousRouter, IDMController, RLController
from flowlights.core.params import EnvParams, InitialConfig, NetParams, SumoParams, VehicleParams
from flowlights.errors import ConfigError
from flowlights.flow.envs.multiagent import MultiAgentWaveAttenuationPOEnv
from flowlights.networks import RingNetwork
from needs import need_module

CONFIGS = REPO / "tests" / "flow_configs"
RING = {"length": 230, "lanes": 1, "speed_limit": 30, "resolution": 40}


def flow_config(name: str):
    """Import one of Flow's example configs; close the probe env it makes (as Flow's configs do) at once."""
    import importlib

    sys.path.insert(0, str(CONFIGS))
    try:
        module = importlib.import_module(name)
    finally:
        sys.path.remove(str(CONFIGS))
    module.test_env.close()
    return module


def ring_env(noise: float = 0.2, rl: int = 1, ring_length=None, horizon: int = 200, warmup: int = 0, seed: int = 0):
    vehicles = VehicleParams()
    vehicles.add(
        "human",
        acceleration_controller=(IDMController, {"noise": noise}),
        routing_controller=(ContinuousRouter, {}),
        num_vehicles=22 - rl,
    )
    if rl:
        vehicles.add(
            "rl", acceleration_controller=(RLController, {}), routing_controller=(ContinuousRouter, {}), num_vehicles=rl
        )
    network = RingNetwork("ring", vehicles, NetParams(additional_params=dict(RING)), InitialConfig(bunching=20))
    env_params = EnvParams(
        horizon=horizon,
        warmup_steps=warmup,
        additional_params={"max_accel": 1, "max_decel": 1, "ring_length": ring_length},
    )
    return MultiAgentWaveAttenuationPOEnv(env_params, SumoParams(sim_step=0.1, seed=seed), network, simulator="traci")


def test_ring_vehicles_follow_flow_idm_and_stay_on_the_ring():
    """Without noise, each human's next speed is speed + IDM(speed, leader, gap) * dt (Flow's formula, applied
    by SUMO); ContinuousRouter keeps all 22 vehicles going round; the RL vehicle takes the agent's accelerations."""
    env = ring_env(noise=0.0, horizon=300)
    try:
        obs, _ = env.reset(seed=3)
        assert list(obs) == ["rl_0"] and obs["rl_0"].shape == (3,)
        k = env.k.vehicle
        checked = 0
        for step in range(300):
            before = {
                v: (k.get_speed(v), k.get_acc_controller(v).get_accel(env))
                for v in k.get_controlled_ids()
                if not k.get_edge(v).startswith(":")
            }
            rl_speed = k.get_speed("rl_0")
            obs, rewards, terms, truncs, _ = env.step({"rl_0": np.array([0.5])})
            for veh, (speed, accel) in before.items():
                if k.get_edge(veh) and not k.get_edge(veh).startswith(":"):
                    assert k.get_speed(veh) == pytest.approx(max(speed + accel * 0.1, 0.0), abs=0.02)
                    checked += 1
            if step < 50:  # accelerating at 0.5 m/s^2 from rest, nothing ahead close
                assert k.get_speed("rl_0") == pytest.approx(rl_speed + 0.05, abs=1e-6)
        assert checked > 3000
        assert k.num_vehicles == 22 and not k.get_arrived_ids()
        assert truncs["__all__"] is True and terms["__all__"] is False and env.time_counter == 300, (
            "the horizon truncates"
        )
        assert len(set(k.get_edge(v) for v in k.get_ids())) >= 3  # spread round the ring
    finally:
        env.close()


def test_noise_makes_runs_differ_by_seed_and_repeat_by_seed():
    def mean_speeds(seed):
        env = ring_env(noise=0.2, rl=0 + 1, seed=seed)
        try:
            env.reset(seed=seed)
            out = []
            for _ in range(100):
                env.step({"rl_0": np.array([0.0])})
                out.append(np.mean(env.k.vehicle.get_speed(env.k.vehicle.get_ids())))
            return out
        finally:
            env.close()

    assert mean_speeds(1) == mean_speeds(1)
    assert mean_speeds(1) != mean_speeds(2)


def test_ring_length_is_drawn_per_reset_within_bounds():
    env = ring_env(ring_length=[220, 270], horizon=5)
    try:
        lengths = set()
        for seed in range(4):
            env.reset(seed=seed)
            quarter = env.k.network.edge_length("bottom")
            lengths.add(round(4 * quarter))
            assert 220 <= 4 * quarter <= 270
            assert env.k.vehicle.num_vehicles == 22
        assert len(lengths) >= 2
    finally:
        env.close()


def test_light_grid_raw_states_never_skip_yellow_or_all_red(tmp_path):
    """MultiTrafficLightGridPOEnv's own logic writes 3 s yellows and asks to switch every step; what SUMO
    ran (its own SaveTLSStates record) never goes green to red without a yellow of >= EnvParams.yellow
    (4 s here), never shows yellow after red, and a new green waits the all-red (2 s) after a yellow."""
    config = flow_config("multiagent_traffic_light_grid")
    import dataclasses

    from conftest import read_tls_states, tls_recorder
    from flowlights.flow.training.classes import build_flow_env

    params = dict(config.flow_params)
    params["env"] = dataclasses.replace(params["env"], yellow=4.0, all_red=2.0, delta_time=10.0, horizon=120)
    record_args, record = tls_recorder(tmp_path)
    env = build_flow_env(params, sumo_args=record_args)
    try:
        obs, _ = env.reset(seed=0)
        while True:
            obs, _, terms, truncs, _ = env.step({tls: np.array([1.0]) for tls in obs})
            if truncs["__all__"] or terms["__all__"]:
                break
        vehicles = env.k.vehicle.num_vehicles
    finally:
        env.close()
    switches = 0
    for tls, timeline in read_tls_states(record).items():
        states = [state for _, state in timeline]
        for link in range(4):
            signal = "".join(s[link] for s in states)
            assert "Gr" not in signal and "gr" not in signal and "ry" not in signal, (tls, link, signal)
            runs = signal.replace("G", " ").replace("r", " ").split()
            assert all(len(run) >= 4 for run in runs[:-1] if not signal.endswith(run)), (tls, link, signal)
            switches += signal.count("Gy")
        for i, state in enumerate(states):
            if "y" in state:
                continue
            turned_green = [k for k, c in enumerate(state) if c == "G" and i > 0 and states[i - 1][k] != "G"]
            if turned_green:  # the last yellow of this light ended at least 2 steps before
                last_yellow = max((j for j in range(i) if "y" in states[j]), default=-10)
                assert i - last_yellow > 2, (tls, states[max(0, i - 6) : i + 1])
    assert switches >= 9 * 5
    assert vehicles > 12  # inflows came in


def test_user_env_class_by_dotted_path_in_yaml(tmp_path):
    """A YAML config names the user's MultiEnv subclass and Flow's network by path/name; it trains (below) and runs."""
    from flowlights.training.create_env import make_create_env
    from flowlights.training.experiment import load_experiment

    config = tmp_path / "mine.yaml"
    config.write_text("""
exp_tag: mine
env_name: my_flow_env.KeepOrSwitchLights
network: TrafficLightGridNetwork
simulator: traci
sim: {step_length: 1}
env: {horizon: 30}
net:
  additional_params:
    grid_array: {row_num: 1, col_num: 2, inner_length: 200, short_length: 200, long_length: 100,
                 cars_left: 1, cars_right: 1, cars_top: 1, cars_bot: 1}
    horizontal_lanes: 1
    vertical_lanes: 1
    speed_limit: 15
  inflows: [{edge: bot0_0, to: null, begin: 0, end: 3600, vehs_per_hour: 600, veh_type: ""}]
""")
    sys.path.insert(0, str(CONFIGS))
    try:
        experiment = load_experiment(config)
        create_env, name = make_create_env(experiment)
        env = create_env()
        try:
            assert env.possible_agents == ["center0", "center1"]
            obs, _ = env.reset(seed=1)
            for _ in range(30):
                obs, rewards, terms, truncs, _ = env.step({a: 1 for a in obs})
            assert truncs["__all__"] and set(rewards) == {"center0", "center1"}
            assert env.env.k.vehicle.num_vehicles > 0
        finally:
            env.close()
    finally:
        sys.path.remove(str(CONFIGS))
    with pytest.raises(ConfigError, match="cannot import 'my_flow_env.Nope'"):
        load_experiment_text(tmp_path, config.read_text().replace("KeepOrSwitchLights", "Nope"))
    with pytest.raises(ConfigError, match="not an env flowlights knows"):
        load_experiment_text(tmp_path, config.read_text().replace("my_flow_env.KeepOrSwitchLights", "RingEnv"))


def load_experiment_text(folder, text):
    from flowlights.training.experiment import load_experiment

    path = folder / "other.yaml"
    path.write_text(text)
    return load_experiment(path)


def test_flow_env_errors_name_the_fix():
    vehicles = VehicleParams().add("human", acceleration_controller=(IDMController, {}), num_vehicles=22)
    with pytest.raises(ConfigError, match="misses 'resolution'"):
        RingNetwork("r", vehicles, NetParams(additional_params={"length": 230, "lanes": 1, "speed_limit": 30}))
    network = RingNetwork("r", vehicles, NetParams(additional_params=dict(RING)))
    with pytest.raises(ConfigError, match="horizon"):
        MultiAgentWaveAttenuationPOEnv(
            EnvParams(additional_params={"max_accel": 1, "max_decel": 1, "ring_length": None}),
            SumoParams(sim_step=0.1),
            network,
        )
    with pytest.raises(ConfigError, match="misses 'max_decel'"):
        MultiAgentWaveAttenuationPOEnv(
            EnvParams(horizon=10, additional_params={"max_accel": 1, "ring_length": None}),
            SumoParams(sim_step=0.1),
            network,
        )
    crowded = RingNetwork(
        "r",
        VehicleParams().add("human", acceleration_controller=(IDMController, {}), num_vehicles=60),
        NetParams(additional_params=dict(RING)),
    )
    with pytest.raises(ConfigError, match="do not fit"):
        MultiAgentWaveAttenuationPOEnv(
            EnvParams(horizon=10, additional_params={"max_accel": 1, "max_decel": 1, "ring_length": None}),
            SumoParams(sim_step=0.1),
            crowded,
        )


def flow_script(script, *args, timeout=900):
    return subprocess.run(
        [sys.executable, str(REPO / "scripts" / script), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=REPO,
    )


@pytest.mark.parametrize(
    "config,policies",
    [
        ("multiagent_traffic_light_grid", ["av"]),
        ("singleagent_traffic_light_grid", ["shared"]),
        ("multiagent_ring", ["av"]),
        ("tutorial_shared", ["av"]),
        ("tutorial_nonshared", ["adversary", "av"]),
    ],
)
def test_flow_example_trains_with_flows_flags_and_replays(config, policies, tmp_path):
    """Flow's example configs, imports changed only: one iteration with Flow's train.py flags, then
    Flow's visualizer without a GUI; every policy the config defines is trained."""
    need_module("ray.rllib", "rllib")
    done = flow_script(
        "train_rllib.py",
        CONFIGS / f"{config}.py",
        "--rl_trainer",
        "rllib",
        "--num_cpus",
        "0",
        "--num_steps",
        "1",
        "--rollout_size",
        "60",
        "--out",
        tmp_path,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    run = next(p for p in tmp_path.iterdir() if p.is_dir())
    modules = run / "checkpoints" / "iter_000001" / "learner_group" / "learner" / "rl_module"
    assert sorted(p.name for p in modules.iterdir() if p.is_dir()) == policies
    emission = ["--gen_emission"] if config == "tutorial_shared" else []
    shown = flow_script(
        "visualizer_rllib.py", run, 1, "--render_mode", "no_render", "--num_rollouts", "2", "--horizon", "30", *emission
    )
    assert shown.returncode == 0, shown.stdout[-2000:] + shown.stderr[-3000:]
    if emission:
        assert "<vehicle id=\"rl_0_0\"" in (run / "emission.xml").read_text(), "SUMO's emission output of the rollouts"
    assert "Round 1, return:" in shown.stdout and "Return (mean, std):" in shown.stdout
    speed = float(shown.stdout.split("Speed, m/s (mean, std over rollouts): ")[1].split(",")[0])
    assert speed > 0.5, shown.stdout  # the vehicles are there and drive
    from flowlights.training.experiment import load_experiment

    assert load_experiment(run).flow_params["veh"].num_vehicles == (12 if "grid" in config else 22), (
        "params.json rebuilds the vehicles with their controllers (through the config module)"
    )
    assert not sumo_children()


def test_flow_grid_network_runs_under_traffic_light_env_and_its_baselines():
    """TrafficLightGridNetwork built to files: flowlights' own env and controllers run on it, its inflows the demand."""
    import dataclasses

    config = flow_config("multiagent_traffic_light_grid")
    from flowlights.baselines.base import make_controller
    from flowlights.training.create_env import make_create_env

    params = {
        **config.flow_params,
        "env_name": "TrafficLightEnv",
        "initial": None,
        "simulator": "traci",
        "sim": dataclasses.replace(config.flow_params["sim"], end=300),
        "env": dataclasses.replace(config.flow_params["env"], horizon=None, additional_params={}),
    }
    with pytest.warns(UserWarning, match="num_vehicles=12"):
        create_env, _ = make_create_env(params)
    env = create_env().env
    try:
        assert sorted(env.possible_agents) == [f"center{i}" for i in range(9)]
        controller = make_controller("max_pressure")
        obs, _ = env.reset(seed=0)
        controller.reset(env)
        while env.agents:
            obs, *_ = env.step(controller.act(env, obs))
        assert env.metrics()["arrived"] > 20
    finally:
        env.close()


@pytest.mark.usefixtures("xvfb_installed")
def test_flow_rollouts_in_sumo_gui(tmp_path):
    """Flow's visualizer default (--render_mode sumo_gui) and --save_render: the rollout runs in sumo-gui (under
    Xvfb here) and its view becomes a video; nothing is left running."""
    from flowlights.flow.evaluation.rollouts import run_rollouts
    from flowlights.viz.display import display

    experiment = __import__("flowlights.training.experiment", fromlist=["load_experiment"]).load_experiment(
        CONFIGS / "tutorial_nonshared.py"
    )
    with display():
        results = run_rollouts(
            experiment,
            None,
            num_rollouts=1,
            seed=5,
            horizon=20,
            gui=True,
            video_dir=tmp_path,
            actions=lambda obs: {a: np.zeros(1, dtype=np.float32) for a in obs},
        )
    assert results[0]["env_steps"] == 20 and results[0]["mean_speed"] > 0
    assert not sumo_children()
    import imageio.v3 as iio

    frames = iio.imread(tmp_path / "rollout_0.mp4")
    assert len(frames) >= 15 and frames.std() > 10, "the video shows the rollout"
    assert np.abs(frames[-1].astype(int) - frames[0].astype(int)).mean() > 0.5, "the frames change"
