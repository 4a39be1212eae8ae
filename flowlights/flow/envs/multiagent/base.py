"""MultiEnv: Flow's multi-agent base (``flow.envs.multiagent.base.MultiEnv``) on SUMO.

Subclasses define ``observation_space`` / ``action_space`` for ONE agent (every agent has that
space), and ``_apply_rl_actions``, ``get_state``, ``compute_reward(rl_actions, **kwargs)`` for all
agents at once, as dicts keyed by agent id — lights (``center0``...), vehicles (``rl_0_0``...) or
any names you choose (``'av'``, ``'adversary'``). ``step`` returns RLlib's five dicts (``"__all__"``
in terminateds/truncateds); an RL vehicle that leaves the network is done with reward 0.
"""

from __future__ import annotations

from typing import Any, Optional

import numpy as np

from flowlights.flow.envs.base import FlowRuntime, space_of


class MultiEnv(FlowRuntime):
    """Flow's MultiEnv: ``MultiEnv(env_params, sim_params, network, simulator)``."""

    flow_multi_env = True  # how flow_base's Env finds the multi-agent episode in a ``class X(SomeEnv, MultiEnv)``

    def __init__(
        self, env_params: Any, sim_params: Any, network: Any = None, simulator: str = "traci", scenario: Any = None
    ) -> None:
        FlowRuntime.__init__(self, env_params, sim_params, network if network is not None else scenario, simulator)

    def reset(self, seed: Optional[int] = None, options: Optional[dict] = None) -> tuple[dict, dict]:
        self._start_episode(seed)
        self._warm_up()
        obs = self.get_state()
        return obs, {agent: {} for agent in obs}

    def step(self, rl_actions: Any) -> tuple[dict, dict, dict, dict, dict]:
        crash = self._simulation_steps(rl_actions)
        states = self.get_state()
        actions = self.clip_actions(rl_actions) if self.env_params.clip_actions else rl_actions
        reward = self.compute_reward(actions, fail=crash)
        if not isinstance(reward, dict):  # Flow's envs return 0 or {} before the first action
            reward = {agent: float(reward) for agent in states}
        over = bool(crash or self._episode_over())
        arrived = set(self.k.vehicle.get_arrived_ids())
        terminated = {agent: agent in arrived for agent in states}
        width = space_of(self, "observation_space").shape
        for rl_id in self.k.vehicle.get_arrived_rl_ids(self.sims_per_step):
            terminated[rl_id] = True
            reward[rl_id] = 0.0
            states[rl_id] = np.zeros(width, dtype=np.float32)
        terminated["__all__"] = bool(crash)
        truncated = {agent: False for agent in states}
        truncated["__all__"] = over and not crash
        return states, reward, terminated, truncated, {agent: {} for agent in states}
