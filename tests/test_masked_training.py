"""Action masks in training: with action_mask=True, PPO and DQN train the masked module; neither its
exploration nor its greedy choice ever takes an action the signal controller masks (PPO's with a prior too)."""

from __future__ import annotations

from needs import need_module

need_module("ray.rllib", "rllib")

import numpy as np  # noqa: E402
import torch  # noqa: E402

from conftest import TINY, flowlights, ray_processes, sumo_children  # noqa: E402


def test_masked_ppo_with_a_prior_trains_and_never_takes_a_masked_action(tmp_path):
    """With action_mask and action_prior (max_pressure's choice) PPO trains the dict-observation module: it never
    takes a masked action, exploring or not, and after one small PPO step from the prior the trained policy still
    takes max_pressure's choice at nearly every decision (``test_action_prior``: exactly, untrained)."""
    from ray.rllib.core.columns import Columns

    from flowlights.baselines.base import make_controller
    from flowlights.envs.factory import make_env
    from flowlights.training.trained_policy import TrainedPolicy, load_rl_module, module_path

    before = set(ray_processes())
    cfg = tmp_path / "masked.yaml"
    cfg.write_text(
        TINY.replace("POLICIES", "shared").replace(
            "env: {delta_time: 5, reward: queue}",
            "env: {delta_time: 5, reward: queue, action_mask: true, min_green: 10, action_prior: max_pressure, "
            f"pad_observations: true, detection_distance: {make_controller('max_pressure').distance}}}",
        )
    )
    done = flowlights("train", str(cfg), "--iterations", "2", "--num-env-runners", "0", "--out", str(tmp_path / "runs"))
    assert done.returncode == 0, done.stderr[-3000:]
    run_dir = next((tmp_path / "runs").iterdir())

    policy = TrainedPolicy(run_dir)
    module = policy.modules["shared"]
    assert type(module).__name__ == "MaskedPPOTorchRLModule"
    # one policy's module on its own, as each deployed light loads it: rebuilt for the dict observations
    alone = load_rl_module(module_path(policy.checkpoint, "shared"))
    assert alone.masked_observation_space == module.masked_observation_space
    # ... and exported as weights and JSON: the same module, decisions and all
    from flowlights.training.export import export_policy

    exported = load_rl_module(module_path(export_policy(run_dir, tmp_path / "shared_export"), "shared"))
    assert {k: v.shape for k, v in exported.masked_observation_space.items()} == {
        k: v.shape for k, v in module.masked_observation_space.items()
    }
    obs = torch.rand(500, module.observation_space.shape[0])
    mask = torch.zeros(500, 2)
    mask[:250, 0] = 1  # only action 0 allowed
    mask[250:, 1] = 1  # only action 1 allowed
    prior = torch.zeros(500, 2)
    prior[:, 1] = 1  # the prior's choice masked on half of them
    logits = module.forward_exploration(
        {Columns.OBS: {"observation": obs, "action_mask": mask, "action_prior": prior}}
    )[Columns.ACTION_DIST_INPUTS]
    sampled = torch.distributions.Categorical(logits=logits).sample()
    assert torch.all(sampled[:250] == 0) and torch.all(sampled[250:] == 1), "exploration sampled a masked action"
    batch = {Columns.OBS: {"observation": obs, "action_mask": mask, "action_prior": prior}}
    assert torch.equal(exported.forward_inference(batch)[Columns.ACTION_DIST_INPUTS], logits)

    env = make_env(**{**policy.scenario_kwargs, **policy.env_overrides})
    checked = masked = agree = 0
    try:
        observations, _ = env.reset(seed=3)
        policy.reset(env)
        while env.agents:
            actions = policy.act(env, observations)
            for agent, action in actions.items():
                allowed = observations[agent]["action_mask"]
                assert allowed[action] == 1, f"{agent} chose masked action {action} (mask {allowed})"
                checked += 1
                masked += int(np.sum(allowed == 0) > 0)
                agree += int(np.argmax(observations[agent]["action_prior"]) == action)
            observations, *_ = env.step(actions)
    finally:
        env.close()
    assert checked > 100 and masked > 10, "decisions with a masked action were met and none was chosen"
    assert agree / checked > 0.9, (agree, checked)
    assert set(ray_processes()) <= before and sumo_children() == []


def test_masked_dqn_trains_and_never_takes_a_masked_action(tmp_path):
    """DQN with action_mask=True: masked Q-values are -inf, so epsilon-greedy exploration (random among the
    allowed ones), the greedy choice and the bootstrapped target all stay within the mask."""
    from ray.rllib.core.columns import Columns

    from flowlights.envs.factory import make_env
    from flowlights.training.trained_policy import TrainedPolicy

    cfg = tmp_path / "masked_dqn.yaml"
    cfg.write_text(
        TINY.replace("POLICIES", "shared")
        .replace(
            "env: {delta_time: 5, reward: queue}",
            "env: {delta_time: 5, reward: queue, action_mask: true, min_green: 10}",
        )
        .replace(
            "training: {train_batch_size_per_learner: 80, minibatch_size: 40, num_epochs: 1, fcnet_hiddens: [16]}",
            "training: {train_batch_size_per_learner: 32, fcnet_hiddens: [16], num_steps_sampled_before_learning_starts: 40,"
            " min_sample_timesteps_per_iteration: 100}",
        )
    )
    done = flowlights(
        "train",
        str(cfg),
        "--algorithm",
        "DQN",
        "--iterations",
        "3",
        "--num-env-runners",
        "0",
        "--out",
        str(tmp_path / "runs"),
    )
    assert done.returncode == 0, done.stderr[-3000:]
    policy = TrainedPolicy(next((tmp_path / "runs").iterdir()))
    module = policy.modules["shared"]
    assert type(module).__name__ == "MaskedDQNTorchRLModule"
    obs = torch.rand(400, module.observation_space.shape[0])
    mask = torch.zeros(400, 2)
    mask[:200, 0] = 1
    mask[200:, 1] = 1
    batch = {Columns.OBS: {"observation": obs, "action_mask": mask}}
    for out in (module.forward_exploration(batch, t=0), module.forward_inference(batch)):
        actions = out[Columns.ACTIONS]
        assert torch.all(actions[:200] == 0) and torch.all(actions[200:] == 1), "a masked action was taken"
    env = make_env(**{**policy.scenario_kwargs, **policy.env_overrides})
    checked = 0
    try:
        observations, _ = env.reset(seed=4)
        policy.reset(env)
        while env.agents:
            actions = policy.act(env, observations)
            for agent, action in actions.items():
                assert observations[agent]["action_mask"][action] == 1
                checked += 1
            observations, *_ = env.step(actions)
    finally:
        env.close()
    assert checked > 100 and sumo_children() == []
