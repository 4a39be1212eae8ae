"""The Stable-Baselines3 route: sb3-contrib's MaskablePPO trains flowlights' multi-actor env and the one-light
env unchanged, and its masked policy never picks an action the light may not take."""
from __future__ import annotations

import numpy as np
import pytest

import flowlights

sb3_contrib = pytest.importorskip("sb3_contrib", reason="needs the [sb3] extra")


@pytest.mark.parametrize("make", [lambda: flowlights.multi_actor_env(scenario="grid2x2", end=200, min_green=10),
                                  lambda: flowlights.gym_env(scenario="single", end=200, min_green=10)],
                         ids=["multi_actor_grid2x2", "one_light_single"])
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
