"""CBEngineRLlibEnv: the final round's ``CBEngine_rllib`` env (the starter kit's rllib_train.py) as an RLlib 2.60
``MultiAgentEnv`` on SUMO.

Config keys as the kit's: ``simulator_cfg_file``, ``thread_num``, ``gym_dict`` (observation_features,
observation_dimension), ``metric_period``, ``vehicle_info_path``; plus ``reward``: ``"pressure"`` (the kit's
example: vehicles on the outgoing lanes minus those on the incoming ones) or ``"queue_length"`` (minus the
vehicles halting on the incoming lanes, / 10). Agents are signal ids (``str``); each observes
``Box(observation_dimension)`` (the kit's ``{"observation": Box}`` flattened: RLlib 2.60's default modules take a
Box) and acts with ``Discrete(9)`` (phases 1..8; 0, which CBEngine does
not have, keeps the current phase). Like the kit's class it has ``gym_dict``, ``agent_signals``,
``intersections``, ``roads``, ``agent_curphase``, and ``_get_observations`` / ``_get_reward`` to override.
"""

from __future__ import annotations

from typing import Any, Mapping, Optional

import gymnasium
import numpy as np
from ray.rllib.env.multi_agent_env import MultiAgentEnv

from flowlights.cbengine.gym_env import CBEngineEnv
from flowlights.cbengine.kit_structures import kit_structures
from flowlights.errors import ConfigError

REWARDS = ("pressure", "queue_length")


class CBEngineRLlibEnv(MultiAgentEnv):
    def __init__(self, config: Optional[Mapping[str, Any]] = None) -> None:
        super().__init__()
        worker = int(getattr(config, "worker_index", 0) or 0)  # RLlib's EnvContext: each runner its own seeds
        config = dict(config or {})
        if "simulator_cfg_file" not in config:
            raise ConfigError("CBEngineRLlibEnv needs config['simulator_cfg_file'] (a CBEngine simulator.cfg).")
        self.reward_name = config.get("reward", "pressure")
        if self.reward_name not in REWARDS:
            raise ConfigError(f"reward={self.reward_name!r} is unknown; use one of {', '.join(REWARDS)}.")
        gym_dict = dict(config.get("gym_dict") or {"observation_features": ["lane_vehicle_num"]})
        gym_dict.setdefault(
            "observation_dimension", sum(16 if f == "classic" else 24 for f in gym_dict.get("observation_features", []))
        )
        self.gym_dict = gym_dict
        seed = int(config.get("seed", 0)) + 10_000 * worker
        custom = bool(gym_dict.get("custom_observation"))  # a subclass makes its own, observation_dimension long
        features = {
            k: v
            for k, v in gym_dict.items()
            if k != "custom_observation" and not (custom and k == "observation_dimension")
        }
        features["observation_form"] = "round3"
        self.cbengine = CBEngineEnv(
            config["simulator_cfg_file"],
            thread_num=config.get("thread_num", 1),
            gym_dict=features,
            metric_period=config.get("metric_period", 3600),
            vehicle_info_path=config.get("vehicle_info_path"),
            seed=seed,
            backend=config.get("backend", "libsumo"),
            sim_options=config.get("sim_options"),
            env_options=config.get("env_options"),
        )
        self.cbengine.set_info(False)
        self.world = self.cbengine.world
        size = int(gym_dict["observation_dimension"])
        self.possible_agents = list(self.world.agent_ids)
        self.agents = list(self.possible_agents)
        single_obs = gymnasium.spaces.Box(-1e10, 1e10, (size,), np.float32)
        self.observation_spaces = {a: single_obs for a in self.possible_agents}
        self.action_spaces = {a: gymnasium.spaces.Discrete(9) for a in self.possible_agents}
        self.observation_space = gymnasium.spaces.Dict(self.observation_spaces)
        self.action_space = gymnasium.spaces.Dict(self.action_spaces)
        self.intersections, self.roads, self.agent_signals = kit_structures(self.world.roadnet)

    def set_log(self, flag: Any) -> None:
        self.cbengine.set_log(flag)

    def set_info(self, flag: Any) -> None:
        """Accepted as the kit's class does; the vehicles' info is read through ``eng`` or the world here."""

    def set_warning(self, flag: Any) -> None:
        self.cbengine.set_warning(flag)

    def set_ui(self, flag: Any) -> None:
        self.cbengine.set_ui(flag)

    @property
    def agent_curphase(self) -> dict[int, int]:
        return {int(a): p for a, p in self.world.phase.items()}

    def reset(self, *, seed: Optional[int] = None, options: Optional[dict] = None) -> tuple[dict, dict]:
        self.cbengine.reset(seed=seed)
        self.agents = list(self.possible_agents)
        return self._get_observations(), {}

    def step(self, action_dict: Mapping[str, Any]) -> tuple[dict, dict, dict, dict, dict]:
        actions = {a: int(v) for a, v in action_dict.items() if int(v) != 0}
        self.cbengine.step(actions)
        done = self.world.done
        terms = {a: False for a in self.agents}
        truncs = {a: done for a in self.agents}
        terms["__all__"], truncs["__all__"] = False, done
        observations, rewards = self._get_observations(), self._get_reward()
        if done:
            self.agents = []
        return observations, rewards, terms, truncs, {}

    def _get_observations(self) -> dict[str, np.ndarray]:
        return {a: np.asarray(obs["observation"], dtype=np.float32) for a, obs in self.cbengine.observations().items()}

    def _get_reward(self) -> dict[str, float]:
        lane = self.world.env.sim.api.lane
        out = {}
        for agent in self.world.agent_ids:
            table = self.world.lanes[agent]
            if self.reward_name == "pressure":
                counts = [lane.getLastStepVehicleNumber(l) if l else 0 for l in table]
                out[agent] = float(sum(counts[12:]) - sum(counts[:12]))
            else:
                out[agent] = -sum(lane.getLastStepHaltingNumber(l) for l in table[:12] if l) / 10.0
        return out

    def close(self) -> None:
        self.cbengine.close()
