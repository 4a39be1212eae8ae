"""The environments follow PettingZoo's, Gymnasium's and RLlib's contracts."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env
from pettingzoo.test import parallel_api_test, parallel_seed_test

import flowlights
from conftest import resco_cfg, sumo_children
from needs import need_module

# PettingZoo's API warnings (wrong dtypes, observations outside their space...) fail these tests
pytestmark = pytest.mark.filterwarnings("error::UserWarning")


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"action_mask": True},
        {"action_mode": "switch", "observation": ["phase", "time_in_phase", "pressure", "neighbours", "speed"]},
    ],
)
def test_parallel_api_on_bundled_grid(options):
    env = flowlights.parallel_env(scenario="grid2x2", end=300, **options)
    try:
        parallel_api_test(env, num_cycles=80)
    finally:
        env.close()


def test_parallel_seed_test_same_seed_same_run():
    """PettingZoo's own check: two envs reset with the same seed give the same observations and rewards."""
    made = []

    def make():
        made.append(flowlights.parallel_env(scenario="grid2x2", end=300, backend="traci"))  # two side by side
        return made[-1]

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            parallel_seed_test(make, num_cycles=40)
    finally:
        for env in made:
            env.close()
    assert sumo_children() == []


def test_parallel_api_padded_on_mixed_junctions():
    env = flowlights.parallel_env(
        sumocfg=resco_cfg("cologne8"), end=25200 + 300, pad_observations=True, action_mask=True
    )
    try:
        first = env.possible_agents[0]
        assert all(env.observation_space(a) == env.observation_space(first) for a in env.possible_agents), (
            "one policy needs one space: same shape and the same bounds for every light"
        )
        assert all(env.action_space(a) == env.action_space(first) for a in env.possible_agents)
        unpadded = flowlights.parallel_env(sumocfg=resco_cfg("cologne8"))
        assert len({unpadded.observation_space(a).shape for a in unpadded.possible_agents}) > 1
        parallel_api_test(env, num_cycles=40)
    finally:
        env.close()


def test_gymnasium_single_light():
    env = flowlights.gym_env(scenario="single", end=300)
    try:
        check_env(env, skip_render_check=True)
        obs, _ = env.reset(seed=0)
        assert env.observation_space.contains(obs)
    finally:
        env.close()


def test_gymnasium_refuses_several_lights_and_names_the_fix():
    with pytest.raises(flowlights.errors.ConfigError, match=r"tls_ids=\["):
        flowlights.gym_env(scenario="grid2x2")
    env = flowlights.gym_env(scenario="grid2x2", tls_ids=["A0"], end=120)
    try:
        env.reset(seed=0)
        assert env.action_space.n >= 2
    finally:
        env.close()


def test_rllib_multi_agent_env():
    need_module("ray.rllib", "rllib")
    from ray.rllib.env.multi_agent_env import MultiAgentEnv
    from ray.rllib.utils.pre_checks.env import check_multiagent_environments

    env = flowlights.rllib_env(scenario="grid2x2", end=100)
    try:
        assert isinstance(env, MultiAgentEnv)
        check_multiagent_environments(env)
        obs, _ = env.reset(seed=1)
        assert set(obs) == set(env.possible_agents)
        done, steps = False, 0
        while not done:
            obs, rewards, terms, truncs, infos = env.step({a: env.action_spaces[a].sample() for a in env.agents})
            done = terms["__all__"] or truncs["__all__"]
            steps += 1
        assert steps == 20 and truncs["__all__"]
        assert env.metrics()["sim_time"] == 100
    finally:
        env.close()


def test_one_light_env_gives_action_masks_for_maskable_ppo():
    """SingleLightEnv.action_masks() (sb3-contrib's MaskablePPO reads it): only what the light may do now."""
    env = flowlights.gym_env(scenario="single", end=120, min_green=10, delta_time=5, yellow=3, all_red=2)
    try:
        env.reset(seed=0)
        masks = env.action_masks()
        assert masks.dtype == bool and masks.shape == (env.action_space.n,)
        current = int(np.argmax(masks)) if masks.sum() == 1 else None
        assert masks.sum() == 1 and current is not None, "before its min green a light may only keep its green"
        other = (current + 1) % env.action_space.n
        for _ in range(2):
            env.step(current)
        assert env.action_masks().all(), "after min green, every green may be asked"
        env.step(other)
        assert env.action_masks().sum() == 1, "during the transition the choice is fixed"
    finally:
        env.close()


def test_multi_actor_env_asks_one_light_at_a_time_and_only_when_it_can_act():
    """SimReinforce's form: the light due is one-hot in the observation, action_masks() is that light's, a light
    with a single allowed action is not asked, masked actions are never needed, and Gymnasium's checker passes."""
    env = flowlights.multi_actor_env(scenario="grid2x2", end=300, min_green=10)
    try:
        check_env(env, skip_render_check=True)
        obs, info = env.reset(seed=0)
        rng = np.random.default_rng(0)
        lights, asked, done = env.lights, {}, False
        while not done:
            light = info["light"]
            assert obs[env.width + lights.index(light)] == 1 and obs[env.width :].sum() == 1
            mask = env.action_masks()
            assert mask.sum() >= 2, "a light is asked only when it has a choice"
            assert (mask[: env.env.action_space(light).n] == env.env.action_mask(light).astype(bool)).all()
            action = int(rng.choice(np.flatnonzero(mask)))
            asked[light] = asked.get(light, 0) + 1
            obs, reward, terminated, truncated, info = env.step(action)
            done = terminated or truncated
        decisions_if_always_asked = len(lights) * (300 // 5)
        assert set(asked) == set(lights) and 0 < env.decisions < decisions_if_always_asked
        assert info["episode_metrics"]["arrived"] > 0
    finally:
        env.close()
