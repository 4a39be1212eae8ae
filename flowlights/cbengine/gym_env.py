"""``gym.make("CBEngine-v0", simulator_cfg_file=..., thread_num=1, gym_dict=...)``: CBEngine's Gym API on SUMO.

As the KDD Cup 2021 documentation gives it: ``reset()`` -> ``(observation, info)``;
``step(actions)`` -> ``(observation, reward, dones, info)`` (CBEngine's four values, not Gymnasium's five);
observations ``{"<agent>_<feature>": [second, 24 lane values]}`` (or, with
``gym_dict["observation_form"] = "round3"``/an ``observation_dimension``, the final round's
``{agent: {"observation": [...]}}``); rewards ``{agent: [(in, out) per lane]}``; info ``{vehicle: {...}}``
(with ``set_info(True)``, the default); dones ``{agent: bool}``. One step is 10 simulated seconds.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any, Mapping, Optional

import gymnasium
import numpy as np

from flowlights.cbengine.world import FEATURES, CBEngineWorld
from flowlights.errors import ConfigError


def check_gym_dict(gym_dict: Optional[Mapping[str, Any]]) -> tuple[list[str], bool]:
    """The observation features a gym_cfg asks for, and whether it wants the final round's form."""
    gym_dict = dict(gym_dict or {})
    features = list(gym_dict.get("observation_features", ["lane_speed", "lane_vehicle_num"]))
    unknown = [f for f in features if f not in FEATURES]
    if not features or unknown:
        raise ConfigError(
            f"gym_dict observation_features={features!r}: give at least one of {', '.join(FEATURES)} "
            f"(unknown: {unknown})."
        )
    if gym_dict.get("custom_observation"):
        raise ConfigError(
            "gym_dict custom_observation=True needs the participant's CBEngine_round3 class; run it "
            "through 'flowlights cbengine-evaluate', which loads CBEngine_round3.py (see docs/cbengine.md)."
        )
    round3 = "observation_dimension" in gym_dict or gym_dict.get("observation_form") == "round3"
    if round3 and "observation_dimension" in gym_dict:
        size = sum(16 if f == "classic" else 24 for f in features)
        if int(gym_dict["observation_dimension"]) != size:
            raise ConfigError(
                f"gym_dict observation_dimension={gym_dict['observation_dimension']} but the features "
                f"{features} make {size} values; set observation_dimension to {size}."
            )
    return features, round3


_THREADS_WARNED: list[bool] = []  # thread_num's warning is given once per process


class CBEngineEnv(gymnasium.Env):
    """CBEngine-v0 on SUMO (see module doc). Extra keywords: ``step_seconds`` (10), ``backend``, ``seed``, ``gui``,
    ``metric_period``, ``vehicle_info_path`` (where ``set_log(True)`` writes CBEngine's info logs) and
    ``sim_options`` (SumoParams fields, e.g. ``{"tripinfo_output": "trips.xml"}``)."""

    metadata = {"render_modes": []}

    def __init__(
        self,
        simulator_cfg_file: str | Path,
        thread_num: int = 1,
        gym_dict: Optional[Mapping[str, Any]] = None,
        metric_period: int = 3600,
        vehicle_info_path: Optional[str | Path] = None,
        step_seconds: float = 10.0,
        backend: str = "libsumo",
        seed: int = 0,
        gui: bool = False,
        sim_options: Optional[Mapping[str, Any]] = None,
        env_options: Optional[Mapping[str, Any]] = None,
    ) -> None:
        if int(thread_num) < 1:
            raise ConfigError(f"thread_num={thread_num!r} must be >= 1.")
        self.thread_num = int(thread_num)  # accepted for compatibility: SUMO steps on one thread (docs/cbengine.md)
        if self.thread_num > 1 and not _THREADS_WARNED:
            _THREADS_WARNED.append(True)
            warnings.warn(
                f"thread_num={self.thread_num} has no effect here: SUMO steps on one thread (CBEngine's "
                "setting is accepted so that your code runs unchanged).",
                UserWarning,
                stacklevel=2,
            )
        self.features, self.round3 = check_gym_dict(gym_dict)
        self.gym_dict = dict(gym_dict or {})
        self.world = CBEngineWorld(
            simulator_cfg_file,
            step_seconds=step_seconds,
            backend=backend,
            seed=seed,
            gui=gui,
            sim_options=sim_options,
            env_options=env_options,
        )
        self.metric_period = int(metric_period)
        config = self.world.scenario.config
        self.log_folder = Path(vehicle_info_path) if vehicle_info_path else config.report_log_addr
        self.log_rate = config.report_log_rate
        self.log, self.info_on, self.ui = False, True, False
        size = sum(16 if f == "classic" else 25 - int(self.round3) for f in self.features)
        self.observation_space = gymnasium.spaces.Box(-2.0, np.inf, (size,), np.float32)  # per agent
        self.action_space = gymnasium.spaces.Discrete(9)  # phases 1..8 (0 unused, as the kit's RLlib example)
        self.agents = list(self.world.agent_ids)
        self.step_count = 0

    # -- CBEngine's switches --------------------------------------------------------------------
    def set_warning(self, flag: Any) -> None:
        """False: no warning for a phase that gives green to a road that does not exist."""
        self.world.warnings = bool(flag)

    def set_log(self, flag: Any) -> None:
        """True: write CBEngine's ``info_step {t}.log`` every ``report_log_rate`` seconds (needed for scoring)."""
        if flag and self.log_folder is None:
            raise ConfigError(
                "set_log(True) needs a folder: vehicle_info_path=... or report_log_addr in simulator.cfg."
            )
        self.log = bool(flag)

    def set_info(self, flag: Any) -> None:
        """False: ``info`` comes back empty (faster)."""
        self.info_on = bool(flag)

    def set_ui(self, flag: Any) -> None:
        """CBEngine's replay logs for its web viewer: use ``flowlights visualize`` (sumo-gui) instead."""
        self.ui = bool(flag)

    # -- Gym --------------------------------------------------------------------------------------
    def reset(self, seed: Optional[int] = None, options: Optional[dict] = None) -> tuple[dict, dict]:  # type: ignore[override]
        self.world.reset(seed=seed)
        self.step_count = 0
        return self.observations(), self.infos()

    def step(self, actions: Mapping[Any, Any]) -> tuple[dict, dict, dict, dict]:  # type: ignore[override]
        if not isinstance(actions, Mapping):
            raise ConfigError(f"actions must be a dict {{agent_id: phase 1..8}}, got {type(actions).__name__}.")
        self.world.step(actions)
        self.step_count += 1
        elapsed = int(round(self.world.time - self.world.begin))
        if self.log and self.log_folder is not None and elapsed % self.log_rate == 0:
            self.world.write_log(self.log_folder)
        dones = {self._key(a): self.world.done for a in self.agents}
        return self.observations(), self.rewards(), dones, self.infos()

    def close(self) -> None:
        self.world.close()

    # -- what the agents see ---------------------------------------------------------------------
    def _key(self, agent: str) -> Any:
        return agent if self.round3 else int(agent)

    def observations(self) -> dict[Any, Any]:
        now = int(round(self.world.time))
        if self.round3:
            return {
                a: {"observation": [v for f in self.features for v in self.world.lane_values(a, f)]}
                for a in self.agents
            }
        return {
            f"{a}_{f}": ([] if f == "classic" else [now]) + self.world.lane_values(a, f)
            for a in self.agents
            for f in self.features
        }

    def rewards(self) -> dict[Any, Any]:
        return {self._key(a): rows for a, rows in self.world.reward_counts().items()}

    def infos(self) -> dict[Any, Any]:
        if not self.info_on:
            return {}
        return {"step": self.step_count, **self.world.infos()}
