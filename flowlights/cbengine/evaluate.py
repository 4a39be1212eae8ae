"""``flowlights cbengine-evaluate``: the KDD Cup 2021 kit's evaluate.py on SUMO, same flags, same agent folder.

It finds ``agent.py`` (with ``agent_specs``) and ``gym_cfg.py`` in the input folder, builds the
CBEngine-v0 env the gym_cfg asks for, hands the agent ``load_agent_list``, ``load_roadnet(intersections,
roads, agents)`` (the kit's structures) and calls ``act({"observations", "info"})`` every 10 s step. Every
``metric_period`` seconds it scores the served vehicles (delay index) into ``scores {t}.json`` and stops once the
delay index passes ``threshold``; the final ``scores.json`` is the kit's ``{"success", "error_msg", "data":
{"total_served_vehicles", "delay_index"}}``. CBEngine's ``info_step {t}.log`` files go to ``vehicle_info_path``.
"""

from __future__ import annotations

import importlib
import json
import re
import sys
import time
import traceback
from pathlib import Path
from typing import Any, Callable, Optional

from flowlights.baselines import make_controller
from flowlights.baselines.base import controller_env_kwargs
from flowlights.cbengine import kit_modules
from flowlights.cbengine.gym_env import CBEngineEnv
from flowlights.cbengine.kit_structures import kit_structures
from flowlights.errors import ConfigError
from flowlights.networks.cbengine_formats import read_simulator_cfg
from flowlights.params import EnvParams, SumoParams, split_kwargs
from flowlights.training.trained_policy import TrainedPolicy


def load_agent_folder(folder: Path) -> tuple[Any, dict[str, Any], Any]:
    """Import a participant's ``agent.py`` and ``gym_cfg.py`` as they are; (the agent, gym_cfg's ``cfg``, and the
    folder's ``CBEngine_round3`` class when gym_cfg asks for ``custom_observation``, else None)."""
    found: dict[str, Path] = {}
    for path in sorted(Path(folder).rglob("*.py")):
        if path.name in ("agent.py", "gym_cfg.py", "CBEngine_round3.py") and path.name not in found:
            found[path.name] = path.parent
    for name in ("agent.py", "gym_cfg.py"):
        if name not in found:
            raise ConfigError(
                f"no {name} under {str(folder)!r}; the agent folder needs agent.py (with agent_specs) "
                "and gym_cfg.py, as in the KDD Cup starter kit."
            )
    for module in ("agent", "gym_cfg", "CBEngine_round3"):  # a previous folder's modules must not answer for this one
        sys.modules.pop(module, None)
    for where in {str(p) for p in found.values()}:  # this folder first, even if an earlier one is on the path
        while where in sys.path:
            sys.path.remove(where)
        sys.path.insert(0, where)
    gym_cfg = importlib.import_module("gym_cfg")
    agent_module = importlib.import_module("agent")
    specs = getattr(agent_module, "agent_specs", None)
    if not isinstance(specs, dict) or not specs:
        raise ConfigError(f"{found['agent.py'] / 'agent.py'} defines no agent_specs dict (e.g. {{'test': MyAgent()}}).")
    agent = specs.get("test", next(iter(specs.values())))
    for method in ("load_agent_list", "load_roadnet", "act"):
        if not callable(getattr(agent, method, None)):
            raise ConfigError(
                f"the agent in agent_specs has no {method}() method; the kit's agents define "
                "load_agent_list, load_roadnet and act."
            )
    cfg = dict(gym_cfg.gym_cfg().cfg)
    round3_class = None
    if cfg.get("custom_observation"):
        if "CBEngine_round3.py" not in found:
            raise ConfigError(
                f"gym_cfg asks for custom_observation but there is no CBEngine_round3.py under {str(folder)!r}."
            )
        kit_modules.install()  # CBEngine_rllib (flowlights' RLlib env with eng) and citypb, as the kit imports them
        round3_class = getattr(importlib.import_module("CBEngine_round3"), "CBEngine_round3", None)
        if round3_class is None:
            raise ConfigError(f"{found['CBEngine_round3.py'] / 'CBEngine_round3.py'} defines no class CBEngine_round3.")
    return agent, cfg, round3_class


class ControllerAgent:
    """One of our controllers (a baseline or a trained policy) behind the kit's agent interface, so that it is
    scored exactly as a participant's agent: it decides on the env CBEngine's world runs, in its green indices,
    and answers in CBEngine phases."""

    def __init__(self, controller: Any) -> None:
        self.controller = controller
        self.world: Any = None

    def attach(self, world: Any) -> None:
        self.world = world

    def load_agent_list(self, agent_list: list[Any]) -> None:
        self.controller.reset(self.world.env)

    def load_roadnet(self, intersections: dict, roads: dict, agents: dict) -> None:
        """Our controllers read the SUMO network themselves."""

    def act(self, obs: dict[str, Any]) -> dict[str, int]:
        env = self.world.env
        greens = self.controller.act(env, env.get_state())
        return {agent: self.world.phase_for_green(agent, int(green)) for agent, green in greens.items()}


def controller_options(controller: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """A controller's env needs, split into EnvParams and SumoParams fields (the world's env_options, sim_options)."""
    merged = controller_env_kwargs(controller, {})
    sim, env = split_kwargs(
        {k: v for k, v in merged.items() if k not in ("backend", "gui", "seed")}, SumoParams, EnvParams
    )
    return env, sim


def as_controller(controller: Any) -> Any:
    """A Controller from a baseline name, a trained run folder (or checkpoint), or a Controller."""
    if not isinstance(controller, (str, Path)):
        return controller
    if Path(controller).exists():
        return TrainedPolicy(Path(controller))
    return make_controller(str(controller))


def flow_index(vehicle_file: str) -> str:
    """The kit's sub-folder name for a flow: the second number in the flow file's path (``flow_round3_flow0`` -> 0),
    else the flow file's stem."""
    numbers = re.findall("[0-9]+", vehicle_file)
    return str(int(numbers[1])) if len(numbers) > 1 else Path(vehicle_file).stem


class _GymSession:
    """The seed's Gym env driven as the kit drives it: observations, then (observations, done, info) per step."""

    def __init__(self, env: Any) -> None:
        self.env, self.world = env, env.world

    def start(self) -> tuple[dict, list[Any]]:
        self.env.set_log(True)
        self.env.set_info(True)
        observations, _ = self.env.reset()
        return observations, self.agent_ids(observations)

    def agent_ids(self, observations: dict) -> list[Any]:
        return list(observations) if self.env.round3 else [int(a) for a in self.env.agents]

    def step(self, actions: dict) -> tuple[dict, bool, dict]:
        observations, _, dones, infos = self.env.step(actions)
        return observations, all(dones.values()), infos


class _Round3Session(_GymSession):
    """A participant's ``CBEngine_round3`` (custom observations) driven as the kit's evaluate.py drives it."""

    def agent_ids(self, observations: dict) -> list[Any]:
        return list(observations)

    def step(self, actions: dict) -> tuple[dict, bool, dict]:
        observations, _, _, truncs, _ = self.env.step(actions)
        return observations, bool(truncs.get("__all__")), {}


def run_agent(
    agent: Any,
    gym_dict: dict[str, Any],
    sim_cfg: Path,
    scores_dir: Path,
    log_dir: Path,
    metric_period: int = 3600,
    threshold: float = 1.6,
    thread_num: int = 1,
    progress: Optional[Callable[[str], None]] = None,
    round3_class: Any = None,
    **env_options: Any,
) -> dict[str, Any]:
    """The kit's run_simulation: step the agent through the scenario, scoring every ``metric_period`` seconds.
    ``round3_class``: the folder's own ``CBEngine_round3`` (custom observations), run instead of the Gym env."""
    if isinstance(agent, ControllerAgent):
        env_part, sim_part = controller_options(agent.controller)
        env_options = {
            **env_options,
            "env_options": env_part,
            "sim_options": {**sim_part, **env_options.get("sim_options", {})},
        }
    if round3_class is not None:
        session: Any = _Round3Session(
            round3_class(
                {
                    "simulator_cfg_file": str(sim_cfg),
                    "thread_num": thread_num,
                    "gym_dict": gym_dict,
                    "metric_period": metric_period,
                    "vehicle_info_path": str(log_dir),
                    **env_options,
                }
            )
        )
    else:
        session = _GymSession(
            CBEngineEnv(
                sim_cfg,
                thread_num=thread_num,
                gym_dict=gym_dict,
                metric_period=metric_period,
                vehicle_info_path=log_dir,
                **env_options,
            )
        )
    world = session.world
    if isinstance(agent, ControllerAgent):
        agent.attach(world)
    try:
        observations, agent_ids = session.start()
        infos: dict[str, Any] = {"step": 0}
        agent.load_agent_list(agent_ids)
        agent.load_roadnet(*kit_structures(world.roadnet))
        scores_dir.mkdir(parents=True, exist_ok=True)
        score: dict[str, Any] = {"total_served_vehicles": -1, "delay_index": -1}
        step, done, started = 0, False, time.time()
        while not done:
            step += 1
            actions = agent.act({"observations": observations, "info": infos})
            observations, done, infos = session.step(actions or {})
            infos["step"] = step
            elapsed = int(round(world.time - world.begin))
            if elapsed % metric_period == 0 or done:
                score = world.score()
                (scores_dir / f"scores {elapsed - 1}.json").write_text(json.dumps({"data": score}, indent=2))
                if progress:
                    progress(
                        f"t={elapsed} s  served {score['total_served_vehicles']}  delay index "
                        f"{score['delay_index']:.4f}  ({time.time() - started:.0f} s)"
                    )
                if score["delay_index"] > threshold:
                    break
        return score
    finally:
        session.env.close()


def cbengine_evaluate(
    input_dir: Optional[str | Path],
    output_dir: str | Path,
    sim_cfg: str | Path,
    metric_period: int = 3600,
    threshold: float = 1.6,
    thread_num: int = 8,
    vehicle_info_path: str | Path = "./log",
    progress: Optional[Callable[[str], None]] = None,
    controller: Any = None,
    **env_options: Any,
) -> dict[str, Any]:
    """Evaluate an agent folder as the kit's evaluate.py does; returns (and writes) the scores.json dict.
    ``controller`` instead of ``input_dir``: one of our controllers (a Controller, a baseline name, or a
    trained run folder) scored the same way."""
    result: dict[str, Any] = {
        "success": False,
        "error_msg": "",
        "data": {"total_served_vehicles": -1, "delay_index": -1},
    }
    config = read_simulator_cfg(sim_cfg)
    index = flow_index(config.values["vehicle_file_addr"])
    scores_dir = Path(output_dir) / index
    scores_dir.mkdir(parents=True, exist_ok=True)
    try:
        if (controller is None) == (input_dir is None):
            raise ConfigError(
                "give an agent folder (--input_dir) or one of our controllers (--controller/--checkpoint)."
            )
        if controller is not None:
            agent, gym_dict, round3_class = (
                ControllerAgent(as_controller(controller)),
                {"observation_features": ["lane_vehicle_num"]},
                None,
            )
        else:
            agent, gym_dict, round3_class = load_agent_folder(Path(input_dir))
        result["data"] = run_agent(
            agent,
            gym_dict,
            Path(sim_cfg),
            scores_dir,
            Path(vehicle_info_path) / index,
            metric_period,
            threshold,
            thread_num,
            progress,
            round3_class,
            **env_options,
        )
        result["success"] = True
    except Exception as exc:  # the kit writes the error into scores.json, then fails
        result["error_msg"] = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        (scores_dir / "scores.json").write_text(json.dumps(result, indent=2))
        raise
    (scores_dir / "scores.json").write_text(json.dumps(result, indent=2))
    return result
