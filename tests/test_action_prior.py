"""``EnvParams(action_prior=controller)``: the controller's choice comes with each observation, and PPO's module adds
it to its logits, so an untrained policy is that controller exactly and training starts from it (trained with a
mask too in ``test_masked_training``)."""

from __future__ import annotations

import math

import pytest

from needs import need_module

need_module("ray.rllib", "rllib")

import numpy as np  # noqa: E402
import torch  # noqa: E402


def _untrained_module(env, agent):
    from ray.rllib.core.rl_module.default_model_config import DefaultModelConfig

    from flowlights.training.masked_module import MaskedPPOTorchRLModule

    return MaskedPPOTorchRLModule(
        observation_space=env.observation_space(agent),
        action_space=env.action_space(agent),
        model_config=DefaultModelConfig(fcnet_hiddens=[16]),
    )


@pytest.mark.parametrize("name", ["max_pressure", "greedy_spillback"])
def test_an_untrained_policy_with_a_prior_decides_as_its_controller(name):
    """At every decision of an episode the untrained module's greedy action is the controller's own (read over the
    controller's detection range), where it switches and where it holds; exploring, it takes the controller's
    choice with probability e^w / (e^w + n - 1) (w = PRIOR_WEIGHT, n actions)."""
    from ray.rllib.core.columns import Columns

    import flowlights
    from flowlights.baselines.base import make_controller
    from flowlights.training.masked_module import PRIOR_WEIGHT
    from flowlights.training.trained_policy import forward_greedy

    controller = make_controller(name)
    env = flowlights.parallel_env(
        scenario="grid2x2",
        end=600,
        # greedy_spillback's observation holds its choice too: the prior is then taken from it
        observation=["phase", "zone_queue", *([f"choice_{name}"] if name == "greedy_spillback" else [])],
        pad_observations=True,
        action_prior=name,
        detection_distance=controller.distance,
        **controller.env_overrides,
    )
    seen = {"switches": 0, "holds": 0}
    try:
        obs, _ = env.reset(seed=4)
        controller.reset(env)
        module = _untrained_module(env, env.agents[0])
        n = env.action_space(env.agents[0]).n
        while env.agents:
            readings = controller.sense(env, obs)
            actions = {tls: controller.deciders[tls](reading) for tls, reading in readings.items()}
            for tls, action in actions.items():
                assert forward_greedy(module, obs[tls]) == action, (tls, obs[tls]["action_prior"], action)
                seen["switches" if action != readings[tls]["green"] else "holds"] += 1
            obs, *_ = env.step(actions)
        batch = {k: torch.as_tensor(np.asarray(v)[None]) for k, v in obs_of_last(env).items()}
        logits = module.forward_exploration({Columns.OBS: batch})[Columns.ACTION_DIST_INPUTS]
        chosen = int(np.argmax(batch["action_prior"][0]))
        expected = math.exp(PRIOR_WEIGHT) / (math.exp(PRIOR_WEIGHT) + n - 1)
        assert float(torch.softmax(logits, -1)[0, chosen]) == pytest.approx(expected, rel=1e-5)
    finally:
        env.close()
    assert seen["switches"] > 10 and seen["holds"] > 10, seen


def obs_of_last(env):
    """One light's observation as the env gives it (after the episode: a fresh reset)."""
    obs, _ = env.reset(seed=5)
    return next(iter(obs.values()))


def test_a_prior_needs_a_rule_phase_actions_and_ppo():
    from flowlights.envs.factory import make_env
    from flowlights.errors import ConfigError
    from flowlights.params import EnvParams
    from flowlights.training.rllib_config import module_settings

    with pytest.raises(ConfigError, match=r"action_mode='phase'.*'switch'"):
        EnvParams(action_prior="greedy", action_mode="switch")
    with pytest.raises(ConfigError, match=r"action_prior='actuated'.*greedy"):
        make_env(scenario="grid2x2", action_prior="actuated")
    env = make_env(scenario="grid2x2", action_prior="greedy", end=50)
    try:
        with pytest.raises(ConfigError, match=r"action_prior='greedy'.*DQN.*PPO"):
            module_settings(env, "DQN", {"shared"}, None)
    finally:
        env.close()


def test_a_policy_with_a_prior_keeps_learning_when_deployed(tmp_path):
    """``flowlights deploy --train``'s learner on a policy with a prior (the recipe's): it decides from the dict
    observation — the prior's choice while untrained — and its actor-critic step moves the weights."""
    import flowlights
    from flowlights.deploy.online import OnlineLearner

    env = flowlights.parallel_env(
        scenario="grid2x2", end=300, observation=["phase", "zone_queue"], pad_observations=True, action_prior="greedy"
    )
    try:
        obs, _ = env.reset(seed=1)
        light = env.agents[0]
        module = _untrained_module(env, light)
        module.save_to_path(str(tmp_path / "module"))
        learner = OnlineLearner(tmp_path / "module", light, batch=8, learn=False)
        greedy_like = OnlineLearner(tmp_path / "module", light, batch=8, learn=True, lr=1e-2)
        before = {k: v.clone() for k, v in learner._load_module(None).state_dict().items()}
        decisions = 0
        while env.agents and decisions < 40:
            reading = {"observation": {k: v.tolist() for k, v in obs[light].items()}, "reward": -1.0}
            assert learner(reading) == int(np.argmax(obs[light]["action_prior"]))
            greedy_like(reading)
            decisions += 1
            obs, *_ = env.step({a: int(np.argmax(obs[a]["action_prior"])) for a in obs})
    finally:
        env.close()
    assert greedy_like.updates >= 4
    after = greedy_like.module.state_dict()
    assert any(not torch.equal(before[k], after[k]) for k in before), "the learner's weights moved"
