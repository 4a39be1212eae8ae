"""The Stable-Baselines3 route: sb3-contrib's MaskablePPO trains flowlights' multi-actor env and the one-light
env unchanged, and its masked policy never picks an action the light may not take."""

from __future__ import annotations

import pytest

import flowlights
from needs import need_module

sb3_contrib = need_module("sb3_contrib", "test")


@pytest.mark.parametrize(
    "make",
    [
        lambda: flowlights.multi_actor_env(scenario="grid2x2", end=200, min_green=10),
        lambda: flowlights.gym_env(scenario="single", end=200, min_green=10),
    ],
    ids=["multi_actor_grid2x2", "one_light_single"],
)
def test_maskable_ppo_learns_on_flowlights_envs_and_respects_masks(make):
    from sb3_contrib import MaskablePPO
    from sb3_contrib.common.maskable.utils import get_action_masks

    env = make()
    try:
        model = MaskablePPO("MlpPolicy", env, n_steps=64, batch_size=32, n_epochs=1, seed=0, verbose=0)
        model.learn(total_timesteps=128)
        obs, _ = env.reset(seed=7)
        done, chosen = False, 0
        while not done:
            masks = get_action_masks(env)
            action, _ = model.predict(obs, action_masks=masks, deterministic=True)
            assert masks[int(action)], f"masked action {action} chosen (mask {masks})"
            obs, _, terminated, truncated, _ = env.step(int(action))
            done = terminated or truncated
            chosen += 1
        assert chosen > 5
    finally:
        env.close()


def test_one_shared_sb3_policy_for_every_light_through_supersuit():
    """PettingZoo + SuperSuit: every light of the padded env is one of SB3's vectorised envs; one PPO policy serves all."""
    supersuit = need_module("supersuit", "test")
    from stable_baselines3 import PPO

    env = flowlights.parallel_env(scenario="grid2x2", end=200, pad_observations=True)
    vec = supersuit.concat_vec_envs_v1(
        supersuit.pettingzoo_env_to_vec_env_v1(env), 1, num_cpus=0, base_class="stable_baselines3"
    )
    try:
        assert vec.num_envs == len(env.possible_agents) == 4
        model = PPO(
            "MlpPolicy", vec, n_steps=32, batch_size=32, n_epochs=1, verbose=0
        )  # (SuperSuit's vec env has no seed())
        model.learn(total_timesteps=256)
    finally:
        vec.close()  # libsumo: one SUMO per process
    play = flowlights.parallel_env(scenario="grid2x2", end=200, pad_observations=True)
    try:
        obs, _ = play.reset(seed=9)
        steps = 0
        while play.agents:
            actions = {a: int(model.predict(obs[a], deterministic=True)[0]) for a in play.agents}
            assert all(play.action_space(a).contains(x) for a, x in actions.items())
            obs, *_ = play.step(actions)
            steps += 1
        assert steps == 200 // 5 and play.metrics()["arrived"] > 0
    finally:
        play.close()
