"""A Flow user's config and command lines: POLICY_GRAPHS of gen_policy() tuples, a one-argument
policy_mapping_fn, POLICIES_TO_TRAIN, make_create_env on a raw dict, and Flow's train.py and
visualizer_rllib.py flags."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from needs import need_module

need_module("ray.rllib", "rllib")

from conftest import REPO, ray_processes, sumo_children  # noqa: E402
from flowlights.errors import ConfigError  # noqa: E402
from flowlights.training.experiment import load_experiment  # noqa: E402

FLOW_STYLE = '''
"""Shaped like Flow's multi-agent examples: only the imports name flowlights."""
from ray.tune.registry import register_env

from flowlights.compat import PPOTFPolicy
from flowlights.params.experiment import NetParams
from flowlights.params import EnvParams, SumoParams
from flowlights.utils.registry import make_create_env

flow_params = dict(
    exp_tag="flowstyle",
    env_name="TrafficLightEnv",
    network="NetworkFile",
    simulator="libsumo",
    sim=SumoParams(end=200),
    env=EnvParams(reward="queue"),
    net=NetParams(scenario="grid2x2"),
)

create_env, env_name = make_create_env(params=flow_params, version=0)
register_env(env_name, create_env)
test_env = create_env()
obs_space = test_env.observation_space
act_space = test_env.action_space


def gen_policy():
    return PPOTFPolicy, obs_space, act_space, {}


POLICY_GRAPHS = {"diagonal": gen_policy(), "other": gen_policy()}


def policy_mapping_fn(_):
    return "diagonal" if _ in ("A0", "B1") else "other"


POLICIES_TO_TRAIN = ["diagonal"]
training = {"train_batch_size_per_learner": 80, "minibatch_size": 40, "num_epochs": 1, "fcnet_hiddens": [16], "lr": 0.01}
'''


def run(script: str, *args: str, timeout: int = 600) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(REPO / "scripts" / script), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=REPO,
    )


def test_flow_policies_are_read_as_flow_means_them(tmp_path):
    cfg = tmp_path / "flowstyle.py"
    cfg.write_text(FLOW_STYLE)
    experiment = load_experiment(cfg)
    assert experiment.policies == {"diagonal", "other"} and experiment.policies_to_train == ["diagonal"]
    assert experiment.policy_mapping_fn("A0", None) == "diagonal" and experiment.policy_mapping_fn("A1") == "other"
    with pytest.raises(ConfigError, match="POLICIES_TO_TRAIN names \\['nobody'\\]"):
        bad = tmp_path / "bad.py"
        bad.write_text(FLOW_STYLE.replace('POLICIES_TO_TRAIN = ["diagonal"]', 'POLICIES_TO_TRAIN = ["nobody"]'))
        load_experiment(bad)
    with pytest.raises(ConfigError, match="but no policy_mapping_fn"):
        bad = tmp_path / "nomap.py"
        bad.write_text(FLOW_STYLE.replace("def policy_mapping_fn(_):", "def unused(_):"))
        load_experiment(bad)


def test_make_create_env_on_a_raw_dict_has_spaces_before_reset():
    from flowlights.params import EnvParams, SumoParams
    from flowlights.params.experiment import NetParams
    from flowlights.utils.registry import make_create_env

    raw = dict(
        exp_tag="raw",
        env_name="TrafficLightEnv",
        network="NetworkFile",
        simulator="libsumo",
        sim=SumoParams(end=100),
        env=EnvParams(),
        net=NetParams(scenario="grid2x2"),
    )  # no tls, veh, initial
    create_env, name = make_create_env(params=raw, version=0)
    env = create_env()
    try:
        assert name == "TrafficLightEnv-raw-v0"
        assert set(env.observation_space.spaces) == {"A0", "A1", "B0", "B1"} and env.action_space["A0"].n == 2
    finally:
        env.close()


def test_flow_command_lines_train_and_replay(tmp_path):
    before = set(ray_processes())
    cfg = tmp_path / "flowstyle.py"
    cfg.write_text(FLOW_STYLE)
    out = tmp_path / "runs"
    done = run(
        "train_rllib.py",
        str(cfg),
        "--rl_trainer",
        "rllib",
        "--num_cpus",
        "1",
        "--num_steps",
        "2",
        "--rollout_size",
        "40",
        "--out",
        str(out),
        "--checkpoint-freq",
        "1",
    )
    assert done.returncode == 0, done.stderr[-3000:]
    run_dir = next(out.iterdir())
    rows = (run_dir / "progress.csv").read_text().splitlines()
    assert len(rows) == 3, "--num_steps 2: two training iterations"
    settings = json.loads((run_dir / "params.json").read_text())["train_settings"]
    assert settings["batch_steps"] == 40 and settings["rollouts"] is None, (
        "--rollout_size: steps per batch, as Flow says"
    )

    import torch
    from ray.rllib.core.rl_module.multi_rl_module import MultiRLModule

    def weights(iteration: int) -> dict:
        modules = MultiRLModule.from_checkpoint(
            str(run_dir / "checkpoints" / f"iter_{iteration:06d}" / "learner_group" / "learner" / "rl_module")
        )
        return {pid: [p.detach().clone() for p in modules[pid].parameters()] for pid in ("diagonal", "other")}

    first, second = weights(1), weights(2)
    assert not all(torch.equal(a, b) for a, b in zip(first["diagonal"], second["diagonal"])), (
        "the trained policy learns"
    )
    assert all(torch.equal(a, b) for a, b in zip(first["other"], second["other"])), (
        "POLICIES_TO_TRAIN leaves 'other' as it is"
    )

    done = run(
        "visualizer_rllib.py",
        str(run_dir),
        "2",
        "--render_mode",
        "no_render",
        "--num_rollouts",
        "2",
        "--horizon",
        "12",
        "--gen_emission",
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads((run_dir / "visualizer" / "metrics.json").read_text())
    assert report["controller"] == "trained:flowstyle:iter_000002" and len(report["episodes"]) == 2
    assert report["settings"]["end"] == 60, "--horizon 12 decisions of 5 s"
    assert (run_dir / "emission.xml").stat().st_size > 1000
    assert set(ray_processes()) <= before and sumo_children() == []


def test_flow_trainer_choice_is_checked():
    done = run("train_rllib.py", "grid2x2_shared", "--rl_trainer", "Stable-Baselines")
    assert done.returncode == 2 and "flowlights trains with RLlib; use --rl_trainer rllib" in done.stderr


def test_flow_train_takes_the_batch_and_workers_from_the_config_module(capsys):
    """As Flow's train.py with --rl_trainer rllib: N_ROLLOUTS episodes of HORIZON steps per batch and N_CPUS workers
    (capped at this machine's cores, with a note), unless --rollout_size / --num_cpus are given; read from the
    module's source, which is not run."""
    import os

    from flowlights.flow_cli import module_run_settings, train_args

    config = str(REPO / "tests" / "flow_configs" / "multiagent_traffic_light_grid.py")
    assert module_run_settings(config) == {"N_ROLLOUTS": 63, "N_CPUS": 63, "HORIZON": 400}
    notes: list[str] = []
    args = train_args([config, "--rl_trainer", "rllib", "--num_steps", "1"], note=notes.append)
    cores = os.cpu_count() or 1
    assert args == [
        config,
        "--iterations",
        "1",
        "--batch-steps",
        str(63 * 400),
        "--num-env-runners",
        str(min(63, cores)),
    ]
    assert any("25200 steps per training batch" in n for n in notes) and any("capped" in n for n in notes), notes
    args = train_args([config, "--rollout_size", "200", "--num_cpus", "1"], note=notes.append)
    assert args == [config, "--batch-steps", "200", "--num-env-runners", "1"]
