"""MultiEnv: Flow's multi-agent base class on PettingZoo's ParallelEnv, with ONE step/reset.

Subclasses define, for one agent, ``observation_space(agent)`` and ``action_space(agent)``;
and, for all agents at once (dicts keyed by traffic-light id), ``_apply_rl_actions``,
``get_state`` and ``compute_reward``. The base runs SUMO, hands actions to the
SignalController (which alone writes light states), advances ``delta_time`` seconds, and
ends the episode at the end of the time window or when no vehicle is left.
"""

from __future__ import annotations

import contextlib
from typing import Any, Callable, Iterator, Optional

import numpy as np
from gymnasium.spaces import Discrete
from pettingzoo import ParallelEnv

from flowlights.errors import ConfigError, SimulationError
from flowlights.networks.network_file import NetworkFile
from flowlights.networks.topology import NetTopology, green_sectors, read_net
from flowlights.params import EnvParams, SumoParams, flow_steps
from flowlights.params.protocols import apply_protocol
from flowlights.signals.controller import SignalController
from flowlights.signals.coupling import Coupling, Couplings, complement_table, parse_couplings
from flowlights.signals.timing import Timing, to_steps
from flowlights.sim.simulation import SumoSimulation, sumo_exceptions
from flowlights.sim.statistics import episode_metrics


def has_choice(topology: NetTopology, tls: str) -> bool:
    """True if the light's program has two or more green phases (something to decide)."""
    greens = {s for s in topology.lights[tls].states if any(c in "Gg" for c in s) and not any(c in "yY" for c in s)}
    return len(greens) > 1


def select_lights(
    topology: NetTopology, tls_ids: Optional[list[str]], net_name: str, include_single_green: bool = False
) -> list[str]:
    """The controlled lights: the given ids (each checked against the network), else every light with
    a choice to make — lights whose program has one green keep running it unless ``include_single_green``."""
    known = list(topology.lights)
    if not known:
        raise ConfigError(f"network {net_name!r} has no traffic light to control; give a network with traffic lights.")
    if tls_ids is None:
        chosen = [t for t in known if include_single_green or has_choice(topology, t)]
        if not chosen:
            raise ConfigError(
                f"every traffic light of {net_name!r} has a single green phase: nothing to decide; "
                "set include_single_green=True to make them agents anyway."
            )
        return chosen
    for tls in tls_ids:
        if tls in topology.lights:
            continue
        sample = ", ".join(known[:10]) + (" ..." if len(known) > 10 else "")
        if tls in topology.junction_types:
            raise ConfigError(
                f"junction {tls!r} has no traffic light (its type is {topology.junction_types[tls]!r}); "
                f"traffic lights in {net_name!r}: {sample}."
            )
        raise ConfigError(f"unknown junction id {tls!r} in tls_ids; traffic lights in {net_name!r}: {sample}.")
    return list(dict.fromkeys(tls_ids))


def check_couplings(
    topology: NetTopology, raw: Any, lights: list[str]
) -> list[tuple[str, str, Optional[dict[int, int]]]]:
    """EnvParams.couplings checked against this network: followers are lights with a choice of greens,
    influencers are controlled lights (agents)."""
    try:
        parsed = parse_couplings(raw, [t for t in topology.lights if has_choice(topology, t)])
    except ValueError as exc:
        raise ConfigError(f"couplings: {exc}") from None
    for influencer, follower, _ in parsed:
        if influencer not in lights:
            raise ConfigError(
                f"coupling ({influencer!r}, {follower!r}): the influencer {influencer!r} is not a controlled "
                "light; add it to tls_ids (an influencer is an agent)."
            )
    return parsed


def couple(
    topology: NetTopology, controller: SignalController, parsed: list[tuple[str, str, Optional[dict[int, int]]]]
) -> Couplings:
    """Each pair's table: given, or from the approaches the greens serve (``complement_table``)."""
    pairs = []
    for influencer, follower, table in parsed:
        lead, follow = controller.machines[influencer].greens, controller.machines[follower].greens
        if table is None:
            table_list = complement_table(
                green_sectors(topology, influencer, lead), green_sectors(topology, follower, follow)
            )
        else:
            if sorted(table) != list(range(len(lead))) or not all(0 <= g < len(follow) for g in table.values()):
                raise ConfigError(
                    f"coupling ({influencer!r}, {follower!r}): its table {table} must map every influencer green "
                    f"0..{len(lead) - 1} to a follower green in 0..{len(follow) - 1}."
                )
            table_list = [table[g] for g in range(len(lead))]
        pairs.append(Coupling(influencer, follower, table_list))
    return Couplings(pairs)


class MultiEnv(ParallelEnv):
    """Base of flowlights' environments: SUMO life cycle, safe signal control, episode flow."""

    metadata = {"name": "flowlights_v0", "render_modes": [], "is_parallelizable": True}

    def __init__(self, scenario: NetworkFile, sim_params: SumoParams, env_params: EnvParams) -> None:
        env_params, sim_params, self.protocol = apply_protocol(env_params, sim_params, scenario.name)
        sim_params, env_params = flow_steps(
            sim_params, env_params, scenario.begin if sim_params.begin is None else sim_params.begin
        )
        self.scenario = scenario
        self.sim_params = sim_params
        self.env_params = env_params
        self.topology = read_net(scenario.net_file)
        lights = select_lights(
            self.topology, env_params.tls_ids, f"{scenario.name} ({scenario.net_file})", env_params.include_single_green
        )
        coupled = check_couplings(self.topology, env_params.couplings, lights)
        followers = [follower for _, follower, _ in coupled]
        self.possible_agents = [t for t in lights if t not in followers]
        self.controlled = self.possible_agents + followers  # agents, then the lights that follow one
        self.agents: list[str] = []
        self.sim = SumoSimulation(scenario, sim_params)
        step = sim_params.step_length
        timing = Timing.from_seconds(
            env_params.yellow,
            env_params.all_red,
            env_params.min_green,
            env_params.max_green,
            step,
            env_params.pedestrian_clearance,
        )
        self.controller = SignalController(
            {tls: self.topology.lights[tls].states for tls in self.controlled},
            timing,
            env_params.action_mode,
            {tls: self.topology.crossing_links(tls) for tls in self.controlled},
        )
        self.couplings = couple(self.topology, self.controller, coupled)
        self.delta_steps = max(1, to_steps(env_params.delta_time, step))
        self.warmup_steps = to_steps(sim_params.warmup, step)
        self.episode_steps = to_steps(self.sim.end - self.sim.begin, step)
        if step > self.sim.end - self.sim.begin:
            raise ConfigError(
                f"step_length={step!r} s is longer than the simulated window begin={self.sim.begin:g} .. "
                f"end={self.sim.end:g} s; use a shorter step (e.g. 1.0) or a later end."
            )
        if self.warmup_steps >= self.episode_steps:
            given = (
                f"warmup_steps={env_params.warmup_steps} (warmup={sim_params.warmup:g} s)"
                if env_params.warmup_steps
                else f"warmup={sim_params.warmup!r} s"
            )
            raise ConfigError(f"{given} leaves no time before end={self.sim.end!r}; shorten it.")
        self._next_seed = int(sim_params.seed)
        self.episode_seed = self._next_seed
        self._steps_done = 0
        self._last_metrics: Optional[dict[str, float]] = None
        self._hooks: list[tuple[int, Callable[["MultiEnv"], None]]] = []
        self.event_driven = env_params.decision == "event"
        self.due: list[str] = []  # lights asked at this decision (event-driven: those that can act)
        self._due_at: dict[str, int] = {}
        self._reward_sum: dict[str, float] = {}
        self._last_event = 0
        self._last_state: dict[str, Any] = {}
        self._state_at = -1  # the step _last_state was observed at

    # -- step hooks (video frames, traces) ------------------------------------------------
    def add_step_hook(self, every_seconds: float, hook: Callable[["MultiEnv"], None]) -> None:
        """Call ``hook(env)`` every ``every_seconds`` of simulated time, between decisions too."""
        every = max(1, to_steps(every_seconds, self.sim_params.step_length))
        self._hooks.append((every, hook))

    def _steps_to_hook(self) -> float:
        return min((every - self._steps_done % every for every, _ in self._hooks), default=float("inf"))

    def _run_hooks(self) -> None:
        for every, hook in self._hooks:
            if self._steps_done % every == 0:
                hook(self)

    # -- hooks for subclasses ------------------------------------------------------------
    def _apply_rl_actions(self, rl_actions: dict[str, Any]) -> None:
        """Default: pass each light's action to the signal controller."""
        self.controller.apply(rl_actions)

    def _sync_followers(self) -> None:
        """Coupled lights: each follower that may switch heads for its influencer's complement."""
        if self.couplings.pairs:
            self.controller.request_greens(self.couplings.requests(self.controller.machines))

    def get_state(self) -> dict[str, Any]:  # pragma: no cover - abstract
        raise NotImplementedError

    def compute_reward(self, rl_actions: dict[str, Any], **kwargs: Any) -> dict[str, float]:  # pragma: no cover
        raise NotImplementedError

    def one_off_rewards(self) -> dict[str, float]:
        """Rewards counted once, when what they reward happens (e.g. a cost per green change), not as a level per
        ``delta_time``: added as they are to each light's next reward, fixed or event-driven. Subclasses; none here."""
        return {}

    def _on_reset(self) -> None:
        """Called once SUMO runs and the controller has taken over, before the first state."""

    def _infos(self) -> dict[str, dict]:
        return {a: {} for a in self.agents}

    # -- PettingZoo API -------------------------------------------------------------------
    def reset(self, seed: Optional[int] = None, options: Optional[dict] = None) -> tuple[dict, dict]:
        """Start (or reload) SUMO for a new episode; ``seed`` fixes SUMO's seed (else the next one)."""
        if seed is not None:
            self._next_seed = int(seed)
        self.episode_seed, self._next_seed = self._next_seed, self._next_seed + 1
        self.sim.start(self.episode_seed)
        with self._sumo_calls("starting the episode"):
            if self.warmup_steps:
                self.sim.step(self.warmup_steps)
            self._steps_done = self.warmup_steps
            self._last_metrics = None
            self.controller.take_over(self.sim.api, self.sim_params.step_length, self.protocol.start_served)
            self._sync_followers()
            self.agents = list(self.possible_agents)
            self._on_reset()
            self.due = list(self.agents)
            if self.event_driven:
                self._due_at = {
                    t: self._steps_done + self.controller.machines[t].steps_until_free() for t in self.agents
                }
                self._reward_sum = {t: 0.0 for t in self.agents}
                self._last_event, self._state_at = self._steps_done, -1
                self._run_until_due()
            return self._asked(self.get_state()), self._asked(self._infos())

    def step(self, actions: dict[str, Any]) -> tuple[dict, dict, dict, dict, dict]:
        if not self.agents:
            raise ConfigError("step() called after the episode ended (or before reset()); call reset() first.")
        self._check_actions(actions)
        with self._sumo_calls("running a decision"):
            observations, rewards, truncated, terminated = self._decide(actions)
            observations = self._asked(observations)
            if truncated or terminated:
                self._last_metrics = episode_metrics(self.sim.api)
        infos = self._asked(self._infos())
        if truncated or terminated:
            for info in infos.values():
                info["episode_metrics"] = dict(self._last_metrics)
        terminations = {a: terminated for a in self.agents}
        truncations = {a: truncated for a in self.agents}
        if truncated or terminated:
            self.agents = []
        return observations, rewards, terminations, truncations, infos

    @contextlib.contextmanager
    def _sumo_calls(self, during: str) -> Iterator[None]:
        """Any failure of SUMO inside becomes a SimulationError naming ``during``; the episode ends."""
        try:
            yield
        except SimulationError:
            self.agents = []
            raise
        except sumo_exceptions() as exc:
            self.agents = []
            raise self.sim.failed(exc, during) from exc

    def _decide(self, actions: dict[str, Any]) -> tuple[dict, dict, bool, bool]:
        """Apply the actions, run SUMO to the next decision, observe; (observations, rewards, truncated, terminated)."""
        if self.event_driven:
            return self._decide_on_events(actions)
        self._apply_rl_actions(actions)
        self._sync_followers()
        self._run(self.delta_steps)
        observations = self.get_state()
        rewards = self.compute_reward(actions)
        extra = self.one_off_rewards()
        return observations, {t: r + extra.get(t, 0.0) for t, r in rewards.items()}, *self._episode_over()

    def _run(self, steps_wanted: int) -> None:
        """Run SUMO ``steps_wanted`` steps (less at the episode's end) in chunks up to each light change or hook."""
        remaining = min(steps_wanted, self.episode_steps - self._steps_done)
        while remaining > 0:
            sync = self.couplings.steps_to_sync(self.controller.machines) if self.couplings.pairs else float("inf")
            steps = int(min(remaining, self.controller.steps_to_event(), self._steps_to_hook(), sync))
            self.sim.step(steps)
            self.controller.advance(steps)
            self._sync_followers()
            self._steps_done += steps
            remaining -= steps
            self._run_hooks()

    def _episode_over(self) -> tuple[bool, bool]:
        truncated = self._steps_done >= self.episode_steps
        return truncated, not truncated and self.sim.api.simulation.getMinExpectedNumber() == 0

    # -- event-driven decisions (EnvParams(decision="event")) -----------------------------------
    def _decide_on_events(self, actions: dict[str, Any]) -> tuple[dict, dict, bool, bool]:
        """The lights due act (others' actions are ignored); SUMO runs to the next light that can act;
        each light due gets the reward accumulated since its last decision."""
        asked = {t: a for t, a in actions.items() if t in set(self.due)}
        self._apply_rl_actions(asked)
        self._sync_followers()
        for tls in self.due:
            machine = self.controller.machines[tls]
            wait = self.delta_steps if not machine.in_transition else machine.steps_until_free()
            self._due_at[tls] = self._steps_done + max(wait, 1)
        self._run_until_due()
        truncated, terminated = self._episode_over()
        if truncated or terminated:
            self.due = list(self.agents)
        fresh = self._state_at == self._steps_done  # the last reward accumulation already observed this step
        observations = self._last_state if fresh else self.get_state()
        rewards = {t: self._reward_sum[t] for t in self.due}
        for tls in self.due:
            self._reward_sum[tls] = 0.0
        return observations, rewards, truncated, terminated

    def _run_until_due(self) -> None:
        """Run SUMO to the next step some light can act (max-green switches move a light's turn on);
        the rewards of every light are added up, each weighted by the time it covered / delta_time."""
        while True:
            now = self._steps_done
            for tls in self.agents:
                machine = self.controller.machines[tls]
                if machine.in_transition:  # a forced (max green) switch: its turn comes when it is free again
                    self._due_at[tls] = max(self._due_at[tls], now + machine.steps_until_free())
            self.due = [t for t in self.agents if self._due_at[t] <= now and self.controller.machines[t].can_switch]
            if self.due or now >= self.episode_steps:
                break
            later = [d for d in self._due_at.values() if d > now]
            self._run(min(later) - now if later else 1)
            self._accumulate_rewards()

    reward_is_change = False  # subclasses: True when compute_reward gives changes since its last call

    def _accumulate_rewards(self) -> None:
        covered = (self._steps_done - self._last_event) / self.delta_steps
        self._last_event = self._steps_done
        if covered <= 0:
            return
        self._last_state, self._state_at = self.get_state(), self._steps_done  # fresh measurements for the rewards
        for tls, value in self.compute_reward({}).items():
            self._reward_sum[tls] += value if self.reward_is_change else covered * value
        for tls, value in self.one_off_rewards().items():
            self._reward_sum[tls] += value

    def _asked(self, per_agent: dict[str, Any]) -> dict[str, Any]:
        """Event-driven: only the lights due are asked (observations, infos); fixed: every light."""
        if not self.event_driven:
            return per_agent
        due = set(self.due)
        return {t: v for t, v in per_agent.items() if t in due}

    def _check_actions(self, actions: dict[str, Any]) -> None:
        """Every action must be in its agent's space; a light left out of ``actions`` keeps its green
        (or finishes its transition). Anything else is a ConfigError naming the agent and the value."""
        if not isinstance(actions, dict):
            raise ConfigError(
                f"step() takes a dict {{agent: action}}, got {type(actions).__name__}; agents: {', '.join(self.agents[:10])}."
            )
        agents = set(self.agents)
        for agent, action in actions.items():
            if agent not in agents:
                raise ConfigError(
                    f"action for {agent!r}, which is not an agent now; agents: {', '.join(self.agents[:10])}."
                )
            space = self.action_space(agent)
            if isinstance(space, Discrete):
                if isinstance(action, np.ndarray) and action.ndim == 0:
                    action = action.item()
                if isinstance(action, (int, np.integer)) and not isinstance(action, (bool, np.bool_)):
                    if (
                        space.start <= action < space.start + space.n
                    ):  # the common case, without gymnasium's generic check
                        continue
                shown = repr(action) if isinstance(action, str) else str(action)
                raise ConfigError(
                    f"action {shown} for {agent!r} is not in its action space {space}; "
                    f"give an integer in {space.start}..{space.start + space.n - 1}."
                )
            try:
                ok = space.contains(action)
            except (TypeError, ValueError):
                ok = False
            if not ok:
                raise ConfigError(f"action {action!r} for {agent!r} is outside its action space {space}.")

    @property
    def sim_seconds(self) -> float:
        """Simulated seconds since ``begin`` in the current episode (warm-up included)."""
        return self._steps_done * self.sim_params.step_length

    def metrics(self) -> dict[str, float]:
        """Episode metrics so far (or of the episode that just ended) from SUMO's own statistics."""
        if self.sim.running and self.agents:
            with self._sumo_calls("reading the metrics"):
                return episode_metrics(self.sim.api)
        if self._last_metrics is not None:
            return dict(self._last_metrics)
        raise ConfigError("no metrics yet: call reset() and step() first.")

    def close(self) -> None:
        """Stop SUMO; no SUMO process is left behind."""
        self.sim.close()
        self.agents = []
