"""Training with RLlib: configs (Python = YAML), clear errors, and a smoke run that trains,
checkpoints, resumes and evaluates from the checkpoint, leaving no Ray or SUMO behind."""

from __future__ import annotations

import csv
import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from needs import need_module, need_programs

need_module("ray.rllib", "rllib")

from conftest import REPO, TINY, flowlights, pids_whose_cmdline, ray_processes, sumo_children  # noqa: E402
from flowlights.errors import ConfigError  # noqa: E402
from flowlights.training.experiment import load_experiment  # noqa: E402
from flowlights.training.policies import policy_setup  # noqa: E402
from flowlights.utils.registry import make_create_env  # noqa: E402

CONFIGS = REPO / "exp_configs"
PAIRS = sorted(p.stem for p in CONFIGS.glob("*.yaml"))


@pytest.mark.parametrize("name", PAIRS)
def test_yaml_and_python_configs_give_the_same_params(name):
    py, yml = load_experiment(CONFIGS / f"{name}.py"), load_experiment(CONFIGS / f"{name}.yaml")
    a, b = py.to_dict(), yml.to_dict()
    for key in (
        "exp_tag",
        "env_name",
        "network",
        "simulator",
        "sim",
        "env",
        "net",
        "veh",
        "initial",
        "tls",
        "training",
    ):
        assert a[key] == b[key], key
    if a["policies"] == "custom":  # explicit Flow-style policies vs the YAML mode: same set-up
        create, _ = make_create_env(py)
        env = create().env
        ids, mapping = policy_setup(yml.policies, env)
        assert ids == set(py.policies)
        assert all(mapping(agent) == py.policy_mapping_fn(agent, None) for agent in env.possible_agents)
    else:
        assert a["policies"] == b["policies"]


def test_generated_network_config_builds_its_scenario(tmp_path, monkeypatch):
    monkeypatch.setenv("FLOWLIGHTS_CACHE", str(tmp_path))
    create, name = make_create_env(load_experiment(CONFIGS / "grid3x3_generated.py"), version=2)
    assert name == "TrafficLightEnv-grid3x3_generated-v2"
    env = create()
    try:
        assert len(env.possible_agents) == 9
        obs, _ = env.reset(seed=0)
        assert env.env.sim.time == 60, "InitialConfig.warmup ran first"
        assert "DEFAULT_VEHTYPE" in Path(env.env.scenario.additional_files[0]).read_text()
    finally:
        env.close()


def write_yaml(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    "text, message",
    [
        (
            TINY.replace("policies: POLICIES", "policies: everyone"),
            "policies: 'everyone' is not allowed; use one of shared, per_light, per_shape",
        ),
        (
            TINY.replace("network: NetworkFile", "network: Manhattan"),
            "network: 'Manhattan' is not a network flowlights knows; use NetworkFile, GridNetwork",
        ),
        (TINY.replace("exp_tag: tiny\n", ""), "missing field 'exp_tag'"),
        (
            TINY.replace("sim: {end: 200}", "sim: {end: 200, speed: 2}"),
            "sim: unknown field 'speed'; allowed: backend, gui",
        ),
        (TINY.replace("policies: POLICIES", "policies: shared\nhorizon: 5"), "unknown field 'horizon'"),
        (TINY.replace("env: {delta_time: 5", "env: {delta_time: 1"), "delta_time=1 is shorter than yellow + all_red"),
        ("exp_tag: [unclosed", "not valid YAML"),
    ],
)
def test_invalid_configs_raise_clear_errors(tmp_path, text, message):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)").replace("+", r"\+")):
        load_experiment(write_yaml(tmp_path / "bad.yaml", text))


def test_shared_policy_refuses_mixed_junction_shapes():
    from conftest import resco_cfg

    resco_cfg("cologne8")
    exp = load_experiment(CONFIGS / "resco_cologne8.yaml")
    create, _ = make_create_env(exp)
    env = create().env
    with pytest.raises(ConfigError, match="pad_observations: true or use 'per_shape'"):
        policy_setup("shared", env)
    ids, mapping = policy_setup("per_shape", env)
    assert 1 < len(ids) < len(env.possible_agents)


def stop_cluster(port: str, before: set[str]) -> None:
    """Stop only the processes of the test cluster (they all name its GCS port), not every Ray
    on the machine as `ray stop` would."""
    import signal
    import time

    def members() -> list[int]:  # --gcs-address=IP:PORT, --gcs_server_port=PORT
        return pids_whose_cmdline(lambda cmdline: re.search(rf"[:=]{port}\b", cmdline) is not None)

    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in members():
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        for _ in range(50):
            if not members():
                break
            time.sleep(0.2)
    for _ in range(75):  # agents of the stopped nodes exit on their own; give them 15 s, then kill them
        extra = set(ray_processes()) - before
        if not extra:
            return
        time.sleep(0.2)
    for line in extra:
        try:
            os.kill(int(line.split()[0]), signal.SIGKILL)
        except (ProcessLookupError, ValueError):
            pass
    for _ in range(50):  # SIGKILL is asynchronous: wait until they are gone (or reaped zombies)
        if not set(ray_processes()) - before:
            return
        time.sleep(0.2)


@pytest.mark.parametrize("policies, runners", [("shared", 0), ("per_light", 1)])
def test_smoke_train_checkpoint_resume_evaluate(tmp_path, policies, runners):
    before = set(ray_processes())
    cfg = write_yaml(tmp_path / "tiny.yaml", TINY.replace("POLICIES", policies))
    done = flowlights(
        "train", str(cfg), "--iterations", "1", "--num-env-runners", str(runners), "--out", str(tmp_path / "runs")
    )
    assert done.returncode == 0, done.stderr[-3000:]
    run_dir = next((tmp_path / "runs").iterdir())
    assert (run_dir / "checkpoints" / "iter_000001" / "learner_group").is_dir()
    params = json.loads((run_dir / "params.json").read_text())
    assert params["policies"] == policies and params["net"]["scenario"] == "grid2x2"
    assert load_experiment(run_dir).to_dict()["env"] == load_experiment(cfg).to_dict()["env"]

    done = flowlights("train", "--resume", str(run_dir), "--iterations", "1", "--num-env-runners", str(runners))
    assert done.returncode == 0, done.stderr[-3000:]
    rows = (run_dir / "progress.csv").read_text().splitlines()
    assert [r.split(",")[0] for r in rows[1:]] == ["1", "2"], "resumed at iteration 2"
    walls = [float(r["wall_seconds"]) for r in csv.DictReader(rows)]
    ended = [r for r in csv.DictReader(rows) if r["mean_delay"]]
    assert ended and all(float(r["in_network"]) >= 0 for r in ended), (
        "vehicles left in the network are logged per episode"
    )
    assert walls[1] > walls[0], "a resumed run's wall_seconds continue the first part's (training_minutes counts both)"
    assert (run_dir / "checkpoints" / "iter_000002").is_dir()
    assert (run_dir / "learning_curve.png").stat().st_size > 5000

    done = flowlights("evaluate", "--checkpoint", str(run_dir), "--out", str(tmp_path / "eval"), "--backend", "traci")
    assert done.returncode == 0, done.stderr[-3000:]
    assert "deprecat" not in done.stderr.lower(), (
        f"third-party deprecation notices in our output: {done.stderr[-2000:]}"
    )
    if policies == "shared":  # (the same check for any policy mapping: once)
        done = flowlights("evaluate", "--checkpoint", str(run_dir), "--protocol", "resco")
        assert done.returncode == 2 and "trained under protocol 'flowlights'" in done.stderr
    report = json.loads((tmp_path / "eval" / "metrics.json").read_text())
    assert report["controller"] == "trained:tiny:iter_000002"
    assert report["episodes"][0]["throughput"] > 20 and report["settings"]["end"] == 200
    assert report["settings"]["backend"] == "traci", (
        "the trained policy is evaluated how the user asked (trained on libsumo)"
    )

    if policies == "shared":  # replay the trained policy from params.json, headless
        need_programs("Xvfb", package="xvfb")  # recorded as a skip (a failure under CI), never dropped silently
        gif = tmp_path / "replay.gif"
        environ = {k: v for k, v in os.environ.items() if k != "DISPLAY"}
        done = subprocess.run(
            [
                sys.executable,
                str(REPO / "scripts" / "visualizer_rllib.py"),
                str(run_dir),
                "--checkpoint",
                "1",
                "--seconds",
                "30",
                "--video",
                str(gif),
                "--frame-every",
                "5",
            ],
            capture_output=True,
            text=True,
            timeout=300,
            env=environ,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        assert gif.stat().st_size > 1000
    assert set(ray_processes()) <= before and sumo_children() == []


def test_dqn_trains_one_iteration(tmp_path):
    cfg = write_yaml(
        tmp_path / "tiny.yaml",
        TINY.replace("POLICIES", "shared").replace(
            "training: {train_batch_size_per_learner: 80, minibatch_size: 40, num_epochs: 1, fcnet_hiddens: [16]}",
            "training: {train_batch_size_per_learner: 32, fcnet_hiddens: [16], min_sample_timesteps_per_iteration: 100}",
        ),
    )
    done = flowlights(
        "train",
        str(cfg),
        "--algorithm",
        "DQN",
        "--iterations",
        "2",
        "--num-env-runners",
        "0",
        "--out",
        str(tmp_path / "runs"),
    )
    assert done.returncode == 0, done.stderr[-3000:]
    run_dir = next((tmp_path / "runs").iterdir())
    with open(run_dir / "progress.csv") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 2
    # RLlib's reporting setting, given in training:, is honoured (DQN's own default samples 1000 steps an iteration)
    assert 100 <= int(rows[0]["env_steps"]) < 1000, rows[0]


def test_two_node_cluster(tmp_path):
    ray_bin = str(Path(sys.executable).parent / "ray")
    port = "6391"
    before = set(ray_processes())
    # Ray >= 2.59 authenticates cluster members with a shared token: give every process the same one
    env = {"RAY_USAGE_STATS_ENABLED": "0", "RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": secrets.token_hex(16)}
    env = {**os.environ, **env}
    try:
        subprocess.run(
            [
                ray_bin,
                "start",
                "--head",
                "--port",
                port,
                "--num-cpus",
                "1",
                "--include-dashboard",
                "false",
                "--node-ip-address",
                "127.0.0.1",
                "--disable-usage-stats",
            ],
            check=True,
            capture_output=True,
            env=env,
            timeout=120,
        )
        subprocess.run(
            [
                ray_bin,
                "start",
                "--address",
                f"127.0.0.1:{port}",
                "--num-cpus",
                "1",
                "--node-ip-address",
                "127.0.0.1",
                "--disable-usage-stats",
            ],
            check=True,
            capture_output=True,
            env=env,
            timeout=120,
        )
        code = f"""
import ray, json
from pathlib import Path
from flowlights.training.train import TrainSettings, train
from flowlights.training.experiment import load_experiment
from flowlights.training import train as train_module
seen = {{}}
original = train_module._loop
def loop(algo, settings, run_dir, progress):
    seen['nodes'] = len([n for n in ray.nodes() if n['Alive']])
    seen['runners'] = algo.env_runner_group.num_healthy_remote_workers()
    original(algo, settings, run_dir, progress)
train_module._loop = loop
run = train({str(tmp_path / 'tiny.yaml')!r}, TrainSettings(iterations=1, num_env_runners=2, ray_address='127.0.0.1:{port}'),
            out=Path({str(tmp_path / 'runs')!r}), progress=False)
seen['rows'] = len((run / 'progress.csv').read_text().splitlines())
print(json.dumps(seen))
"""
        write_yaml(tmp_path / "tiny.yaml", TINY.replace("POLICIES", "shared"))
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600, env=env)
        assert done.returncode == 0, done.stderr[-3000:]
        seen = json.loads(done.stdout.strip().splitlines()[-1])
        assert seen == {"nodes": 2, "runners": 2, "rows": 2}
    finally:
        stop_cluster(port, before)
    assert set(ray_processes()) <= before


def test_rllib_throughput_bench_counts_env_steps(tmp_path):
    from flowlights.benchmarks.rllib_throughput import bench_rllib, format_results

    cfg = write_yaml(tmp_path / "tiny.yaml", TINY.replace("POLICIES", "shared"))
    result = bench_rllib(cfg, env_runners=0, iterations=1)
    assert result.steps_per_iteration == 80  # train_batch_size_per_learner: one env step is one decision of all lights
    assert result.seconds_per_iteration > 0 and result.iterations == 1
    assert result.training_steps_per_s == pytest.approx(80 / result.seconds_per_iteration)
    assert "| tiny | 0 | - | 80 |" in format_results([result])


@pytest.mark.parametrize(
    "change, message",
    [
        (
            "tls: {yellow: 3.5}\nenv: {delta_time: 10, reward: queue, yellow: 4}",
            "env.yellow=4 and tls.yellow=3.5 set yellow differently",
        ),
        ("simulator: traci\nsim: {end: 200, backend: libsumo, gui: false, warmup: 0}", None),
        (
            "initial: {warmup: 30}\nsim: {end: 200, warmup: 20}",
            "sim.warmup=20 and initial.warmup=30 set warmup differently",
        ),
    ],
)
def test_settings_set_twice_must_agree(tmp_path, change, message):
    from flowlights.training.env_kwargs import env_kwargs

    text = TINY.replace("policies: POLICIES", "policies: shared")
    for line in change.split("\n"):
        key = line.split(":")[0]
        text = (
            re.sub(rf"^{key}:.*$", line, text, flags=re.M) if re.search(rf"^{key}:", text, re.M) else text + line + "\n"
        )
    experiment = load_experiment(write_yaml(tmp_path / "twice.yaml", text))
    if message is None:
        assert env_kwargs(experiment.flow_params)["backend"] == "traci", "the default sim.backend yields to simulator"
    else:
        with pytest.raises(ConfigError, match=re.escape(message)):
            env_kwargs(experiment.flow_params)


def test_bundled_experiment_found_by_bare_name():
    experiment = load_experiment("grid2x2_shared")
    assert experiment.exp_tag == "grid2x2_shared" and experiment.source.endswith("grid2x2_shared.py")
    with pytest.raises(ConfigError, match=r"or a bundled experiment's name \(arterial1x4, flow_ring, grid2x2_shared"):
        load_experiment("no_such_experiment")


def test_results_written_with_an_old_field_name_still_load(tmp_path, capsys):
    params = load_experiment(CONFIGS / "grid2x2_shared.yaml").to_dict()
    params["env"]["max_neighbors"] = params["env"].pop("max_neighbours")
    (tmp_path / "params.json").write_text(json.dumps(params))
    assert load_experiment(tmp_path).flow_params["env"].max_neighbours == params["env"]["max_neighbors"]
    assert "'max_neighbors' is spelled 'max_neighbours' now" in capsys.readouterr().err
