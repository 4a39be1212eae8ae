"""Env: Flow's base environment (``flow.envs.base.Env``) on SUMO through libsumo or TraCI, as a Gymnasium env.

A Flow env class subclasses it (or ``flowlights.flow.envs.multiagent.MultiEnv``) and defines, as in Flow,
``observation_space`` and ``action_space`` (properties or methods), ``_apply_rl_actions``,
``get_state``, ``compute_reward(rl_actions, **kwargs)`` and optionally ``additional_command``. It
reaches the simulation through ``self.k`` (Flow's kernel: ``k.vehicle``, ``k.traffic_light``,
``k.network``, ``k.simulation``). One env step is ``sims_per_step`` simulation steps of ``sim_step``
seconds; an episode is ``warmup_steps`` (no actions) plus ``horizon`` env steps, or ends at a crash.
Each simulation step runs the Python controllers (IDM...), the routers, the agents' actions,
``additional_command``, SUMO's step, and the safe light transitions — Flow's order.

Differences from Flow (docs/migrating-from-flow.md): ``reset()`` returns ``(obs, info)`` and
``step()`` returns Gymnasium's five values; SUMO is reloaded at every reset (the initial vehicles
are placed again; a light's last raw state is shown again); raw light states go through the safety
rules (``flowlights.signals.raw_state``).
"""

from __future__ import annotations

import atexit
import copy
import inspect
from typing import Any, Optional

import gymnasium as gym
import numpy as np

from flowlights.errors import ConfigError
from flowlights.flow.kernel import Kernel, NetworkKernel, TrafficLightKernel, VehicleKernel
from flowlights.params import EnvParams, SumoParams
from flowlights.params.validation import one_home
from flowlights.signals.timing import to_steps
from flowlights.sim.simulation import SumoSimulation

SUMO_END = 1e7  # Flow envs end by horizon, not by SUMO's end time


class InitialVehicles:
    """What Flow's ``env.initial_vehicles`` tells before any vehicle exists: ids, types, counts."""

    def __init__(self, specs: dict[str, Any]) -> None:
        self.types = {f"{s.type_id}_{i}": s.type_id for s in specs.values() for i in range(s.num_vehicles)}
        self.ids = list(self.types)
        self._rl = [v for v in self.ids if specs[self.types[v]].is_rl]

    @property
    def num_vehicles(self) -> int:
        return len(self.ids)

    @property
    def num_rl_vehicles(self) -> int:
        return len(self._rl)

    def get_ids(self) -> list[str]:
        return list(self.ids)

    def get_rl_ids(self) -> list[str]:
        return list(self._rl)

    def get_human_ids(self) -> list[str]:
        return [v for v in self.ids if v not in self._rl]

    def get_type(self, veh_id: str) -> str:
        return self.types[veh_id]


def space_of(env: Any, name: str) -> gym.Space:
    """``observation_space`` / ``action_space`` whether the class made it a property or a method (Flow's tutorial)."""
    value = getattr(env, name)
    if callable(value) and not isinstance(value, gym.Space):
        value = value()
    if not isinstance(value, gym.Space):
        raise ConfigError(f"{type(env).__name__}.{name} must give a gymnasium space, got {type(value).__name__}.")
    return value


class FlowRuntime:
    """The simulation side shared by Env and MultiEnv: network, kernel, initial vehicles, the step loop."""

    def __init__(self, env_params: Any, sim_params: Any, network: Any, simulator: str = "traci") -> None:
        self.env_params = env_params
        self.network = network
        self.net_params = network.net_params
        self.initial_config = network.initial_config
        if simulator not in ("traci", "libsumo"):
            raise ConfigError(
                f"simulator={simulator!r} is not supported; use 'traci' (Flow's; several SUMOs per "
                "process, sumo-gui) or 'libsumo' (faster, one SUMO per process)."
            )
        self.sim_params = copy.copy(sim_params) if isinstance(sim_params, SumoParams) else sim_params
        self.sim_params.backend = "traci" if simulator == "traci" or sim_params.gui else "libsumo"
        self.simulator = simulator
        self.sim_step = float(sim_params.step_length)
        if env_params.horizon is None:
            raise ConfigError(
                f"{type(self).__name__}: EnvParams(horizon=...) is needed: the number of env steps in an episode."
            )
        self.sims_per_step = int(env_params.sims_per_step or 1)
        self.time_counter = 0
        self.step_counter = 0
        self.initial_state: dict[str, tuple] = {}
        self.state: Any = None
        self.np_random = np.random.default_rng(int(sim_params.seed))
        self._seed = int(sim_params.seed)
        self._build_kernel()
        atexit.register(self.close)  # Flow configs keep a probe env alive: its SUMO goes with the process

    def _build_kernel(self) -> None:
        specs = self.network.vehicles.specs() if hasattr(self.network.vehicles, "specs") else []
        built = self.network.build(self.net_params.inflows, [s.vtype for s in specs])
        built.end = SUMO_END
        self.sim = SumoSimulation(built, self.sim_params)
        edges = self.network.lane_data()
        yellow, all_red = (self._timing(name) for name in ("yellow", "all_red"))
        vehicle = VehicleKernel(specs, self.sim_step)
        self.k = Kernel(
            self.sim,
            NetworkKernel(self.network, edges),
            vehicle,
            TrafficLightKernel(to_steps(yellow, self.sim_step), to_steps(all_red, self.sim_step), str(built.net_file)),
        )
        vehicle.network = self.k.network
        self.available_routes = self.k.network.rts
        self.initial_vehicles = InitialVehicles(vehicle.specs)
        self.initial_ids = list(self.initial_vehicles.ids)
        self.sim.start(self._seed)
        try:
            self.k.pass_api()
            self.setup_initial_state()
        except BaseException:
            self.sim.close()  # no SUMO left behind by a config error
            raise

    def _timing(self, name: str) -> float:
        """Yellow / all-red for raw states: EnvParams' (one home), or TrafficLightParams' when it agrees."""
        value = getattr(self.env_params, name)
        tls_value = getattr(getattr(self.network, "traffic_lights", None), name, None)
        if tls_value is None:
            return float(value)
        return float(
            one_home(name, value, getattr(EnvParams, name), tls_value, f"env.{name}", f"tls.{name}={tls_value!r}")
        )

    def setup_initial_state(self) -> None:
        """Where each initial vehicle starts (Flow's InitialConfig; ``shuffle`` reorders them)."""
        if getattr(self.initial_config, "shuffle", False):
            self.np_random.shuffle(self.initial_ids)
        positions, lanes = self.network.start_positions(
            self.initial_config, len(self.initial_ids), self.k.network._edges, self.k.network.edgestarts, self.np_random
        )
        types = self.initial_vehicles.types
        self.initial_state = {
            v: (types[v], positions[i][0], lanes[i], positions[i][1], self.k.vehicle.specs[types[v]].initial_speed)
            for i, v in enumerate(self.initial_ids)
        }

    def restart_simulation(self, sim_params: Any = None, render: Any = None) -> None:
        """Rebuild the network (e.g. after a new ring length) and start SUMO afresh (Flow's method)."""
        self.sim.close()
        self._build_kernel()

    @property
    def sorted_ids(self) -> list[str]:
        """Vehicle ids by position along the network (Flow's ``sorted_ids``)."""
        return sorted(self.k.vehicle.get_ids(), key=self.k.vehicle.get_x_by_id)

    @property
    def sim_seconds(self) -> float:
        return self.time_counter * self.sim_step

    def _start_episode(self, seed: Optional[int]) -> None:
        """Reload SUMO, place the initial vehicles, step once, as Flow's reset did."""
        if seed is not None:
            self._seed = int(seed)
            self.np_random = np.random.default_rng(self._seed)
        self.time_counter = 0
        if getattr(self.initial_config, "shuffle", False):
            self.setup_initial_state()
        self.sim.start(self._seed)
        self._seed += 1
        self.k.pass_api()
        for veh_id in self.initial_ids:
            type_id, edge, lane, pos, speed = self.initial_state[veh_id]
            self.k.vehicle.add(veh_id, type_id, edge, lane, pos, speed)
        self.k.simulation.simulation_step()
        self.k.update(reset=True)
        missing = sorted(set(self.initial_ids) - set(self.k.vehicle.get_ids()))
        if missing:
            raise ConfigError(
                f"{len(missing)} initial vehicles could not be placed (e.g. {missing[0]}: "
                f"{self.initial_state[missing[0]]}); use fewer vehicles or a longer network."
            )

    def _simulation_steps(self, rl_actions: Any) -> bool:
        """Run one env step (``sims_per_step`` simulation steps); True if SUMO saw a crash."""
        crash = False
        for _ in range(self.sims_per_step):
            self.time_counter += 1
            self.step_counter += 1
            vehicle = self.k.vehicle
            controlled = vehicle.get_controlled_ids()
            if controlled:
                vehicle.apply_acceleration(
                    controlled, [vehicle.get_acc_controller(v).get_action(self) for v in controlled]
                )
            lc_ids = vehicle.get_controlled_lc_ids()
            if lc_ids:
                vehicle.apply_lane_change(
                    lc_ids, [vehicle.get_lane_changing_controller(v).get_action(self) for v in lc_ids]
                )
            routed = [v for v in vehicle.get_ids() if vehicle.get_routing_controller(v) is not None]
            vehicle.choose_routes(routed, [vehicle.get_routing_controller(v).choose_route(self) for v in routed])
            self.apply_rl_actions(rl_actions)
            self.additional_command()
            self.k.simulation.simulation_step()
            self.k.update(reset=False)
            if self.sim_params.gui:
                vehicle.update_vehicle_colors()
            crash = self.k.simulation.check_collision()
            if crash:
                break
        return crash

    def _episode_over(self) -> bool:
        return self.time_counter >= self.sims_per_step * (self.env_params.warmup_steps + self.env_params.horizon)

    def _warm_up(self) -> None:
        for _ in range(self.env_params.warmup_steps):
            self._simulation_steps(None)

    # -- what a Flow env class defines ----------------------------------------------------------------
    def apply_rl_actions(self, rl_actions: Any = None) -> None:
        if rl_actions is None:
            return
        self._apply_rl_actions(self.clip_actions(rl_actions) if self.env_params.clip_actions else rl_actions)

    def clip_actions(self, rl_actions: Any = None) -> Any:
        """Actions clipped to the action space (Box spaces; others unchanged)."""
        if rl_actions is None:
            return None
        space = space_of(self, "action_space")
        if not isinstance(space, gym.spaces.Box):
            return rl_actions
        if isinstance(rl_actions, dict):
            return {k: np.clip(v, space.low, space.high) for k, v in rl_actions.items()}
        return np.clip(rl_actions, space.low, space.high)

    def _apply_rl_actions(self, rl_actions: Any) -> None:  # pragma: no cover - abstract
        raise NotImplementedError(f"{type(self).__name__} must define _apply_rl_actions(rl_actions).")

    def get_state(self) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError(f"{type(self).__name__} must define get_state().")

    def compute_reward(self, rl_actions: Any, **kwargs: Any) -> Any:
        return 0

    def additional_command(self) -> None:
        """Anything to do every simulation step before SUMO's (Flow's hook)."""

    def render(self, reset: bool = False, buffer_length: int = 5) -> None:
        """SumoParams(render=True) shows sumo-gui; nothing to draw here."""

    def close(self) -> None:
        self.sim.close()

    def terminate(self) -> None:
        self.close()


def reset_accepts_seed(env: Any) -> bool:
    """Whether a (possibly user-overridden) ``reset`` takes Gymnasium's ``seed``; Flow's ``reset(self)`` does not."""
    try:
        params = inspect.signature(env.reset).parameters
    except (TypeError, ValueError):
        return True
    return "seed" in params or any(p.kind == p.VAR_KEYWORD for p in params.values())


class Env(FlowRuntime, gym.Env):
    """Flow's single-agent Env: ``step(rl_actions)`` -> (obs, reward, terminated, truncated, info)."""

    metadata = {"render_modes": []}

    def __init__(
        self, env_params: Any, sim_params: Any, network: Any = None, simulator: str = "traci", scenario: Any = None
    ) -> None:
        FlowRuntime.__init__(self, env_params, sim_params, network if network is not None else scenario, simulator)

    def reset(self, seed: Optional[int] = None, options: Optional[dict] = None) -> tuple[Any, dict]:
        multi = _multi_env_class(self)
        if multi is not None:  # a Flow-style ``class X(SomeEnv, MultiEnv)``: the multi-agent episode
            return multi.reset(self, seed=seed, options=options)
        self._start_episode(seed)
        self._warm_up()
        self.state = self.get_state()
        return np.asarray(self.state, dtype=np.float32), {}

    def step(self, rl_actions: Any) -> tuple[Any, float, bool, bool, dict]:
        multi = _multi_env_class(self)
        if multi is not None:
            return multi.step(self, rl_actions)  # type: ignore[return-value]
        crash = self._simulation_steps(rl_actions)
        self.state = self.get_state()
        actions = self.clip_actions(rl_actions) if self.env_params.clip_actions else rl_actions
        reward = self.compute_reward(actions, fail=crash)
        return (
            np.asarray(self.state, dtype=np.float32),
            float(reward),
            bool(crash),
            bool(self._episode_over() and not crash),
            {},
        )


def _multi_env_class(env: Any) -> Any:
    """Flow's MultiEnv among the env's classes (it marks itself ``flow_multi_env``; found without importing it,
    which imports this module), or None."""
    return next((cls for cls in type(env).__mro__ if cls.__dict__.get("flow_multi_env")), None)
