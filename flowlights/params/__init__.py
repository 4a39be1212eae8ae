"""Flow-style parameter objects: what SUMO runs (SumoParams) and how the agents act (EnvParams).

Both are plain dataclasses, validated on construction, serialisable with ``dataclasses.asdict``
so that a run can be written out and replayed exactly.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field, fields
from typing import Any, Optional, Sequence

from flowlights.errors import ConfigError
from flowlights.params.protocols import get_protocol
from flowlights.params.validation import check_types, one_home
from flowlights.signals.coupling import parse_couplings
from flowlights.sim.lanes import check_needs

BACKENDS = ("libsumo", "traci")
DECISIONS = ("fixed", "event")
ACTION_MODES = ("phase", "switch")


@dataclass
class SumoParams:
    """How SUMO is started.

    begin/end: simulated window in seconds (None = the scenario's own, else 0 and 3600).
    warmup: seconds run under the lights' own programs before the agents take over.
    time_to_teleport: SUMO's --time-to-teleport (-1 disables teleports; None: the .sumocfg's value,
    else SUMO's default of 300 s).
    sumo_args: extra command-line options, e.g. ``["--additional-files", "x.add.xml"]``.
    restart_instance: start a fresh SUMO every episode instead of reloading the running one (Flow's
    option; slower, but frees everything SUMO held).
    backend: "libsumo" (fast; one simulation per process) or "traci" (SUMO as a child process; sumo-gui needs it).
    gui: run sumo-gui (with backend "traci" and a display).
    step_length: seconds of simulated time per SUMO step.
    seed: SUMO's random seed (departures and routes the scenario leaves to chance).
    tripinfo_output: a file for SUMO's tripinfo output (one line per finished trip).
    """

    backend: str = "libsumo"
    gui: bool = False
    step_length: float = 1.0
    seed: int = 0
    begin: Optional[float] = None
    end: Optional[float] = None
    warmup: float = 0.0
    time_to_teleport: Optional[float] = None
    sumo_args: Sequence[str] = field(default_factory=list)
    tripinfo_output: Optional[str] = None
    restart_instance: bool = False

    def __post_init__(self) -> None:
        check_types(self)
        if self.backend not in BACKENDS:
            raise ConfigError(f"backend={self.backend!r} is unknown; use one of {BACKENDS}.")
        if self.gui and self.backend != "traci":
            raise ConfigError("gui=True needs backend='traci' (sumo-gui cannot run through libsumo).")
        if not self.step_length >= 0.001:
            raise ConfigError(
                f"step_length={self.step_length!r} must be at least 0.001 s (SUMO's time resolution), e.g. 1.0."
            )
        if self.warmup < 0:
            raise ConfigError(f"warmup={self.warmup!r} must be >= 0 seconds.")
        if self.begin is not None and self.end is not None and self.end <= self.begin:
            raise ConfigError(f"end={self.end!r} must be later than begin={self.begin!r}.")
        if isinstance(self.sumo_args, str):
            raise ConfigError(
                f"sumo_args={self.sumo_args!r} must be a list of strings, e.g. ['--additional-files', 'x.add.xml']."
            )
        self.sumo_args = [str(a) for a in self.sumo_args]


@dataclass
class EnvParams:
    """How the agents act and what they see.

    delta_time: seconds between decisions (>= yellow + all_red).
    yellow/all_red: transition between two greens; min_green/max_green: green bounds
    (max_green None or inf disables it). action_mode: "phase" (choose the next green) or
    "switch" (Flow's keep=0 / switch=1). observation: names from ``flowlights.features.observations``;
    reward: a name from ``flowlights.features.rewards``; neighbor_weight: the share of the neighbours' mean
    reward mixed into each light's. change_cost: what each green change a light begins costs its reward, once (0: nothing), against a
    policy that churns between greens and loses a yellow each time. reward_scale: every reward (change costs
    included) is multiplied by it — e.g. 0.01 on a saturated network, where a light's reward per decision is
    -50 or less: PPO's value function, whose loss RLlib clamps at ``vf_clip_param`` (10), then sees returns it
    can learn. pad_observations: one common shape for every light (shared policies).
    action_mask: observations become {"observation", "action_mask"} dicts.
    action_prior: a classical controller (greedy, max_pressure, ...: one whose rule the env applies to any state)
    whose choice now, one-hot over the actions, comes with each observation: {"observation", "action_prior"} dicts.
    A PPO policy adds ``PRIOR_WEIGHT`` times it to its logits, so it starts as that controller exactly and
    learns where to differ from it (``action_mode="phase"`` only).
    tls_ids: the traffic lights to control (None = all with two or more greens); the rest keep their
    SUMO program. include_single_green: also make lights whose program has one green agents.
    max_neighbours: how many neighbouring lights the ``neighbours`` observation shows.
    nearest_vehicles: how many vehicles nearest the stop line, per incoming lane, the ``nearest_vehicles``
    observation shows (Flow's ``num_observed``).
    detection_distance: metres upstream of a stop line that ``zone_*`` observations and rewards see
    (along the road, across junctions without lights), as a detector or camera would.
    horizon, sims_per_step, warmup_steps: Flow's episode length, env step and warm-up counted in env
    steps of ``sims_per_step`` simulation steps (see ``flow_steps``); they set end, delta_time and warmup.
    additional_params: options for an env class that reads them (Flow's ``EnvParams.additional_params``).
    evaluate, clip_actions: Flow's flags for Flow env classes (``flowlights.flow.envs.multiagent.MultiEnv``...):
    ``evaluate`` lets compute_reward return the evaluation reward; ``clip_actions`` clips actions to
    the action space before they are applied (TrafficLightEnv's actions are discrete: no meaning there).
    decision: "fixed" (every light decides every ``delta_time``) or "event" (a light is asked only when
    it can act — its transition done and min green over — and again ``delta_time`` later if it kept
    its green; ``step`` then returns observations only for the lights due, and each light's reward
    is accumulated, per ``delta_time`` of simulated time, until it is asked again).
    protocol: a named set of these settings (``flowlights.params.protocols``): "flowlights" (default, safe)
    or "resco" (RESCO's benchmark MDP); it sets delta_time, yellow, all_red, min/max green.
    measures: lane measurements to take beyond what the observation and reward declare (names in
    ``flowlights.sim.lanes.NEEDS``, e.g. for a controller or your own logging): only what is
    needed is taken from SUMO, which keeps each decision cheap.
    couplings: influencer/follower pairs ``[("A0", "B0"), ...]`` (Regularflow): the follower is not an
    agent; it heads for the green serving the approaches its influencer's green stops (or the one a
    third element ``{influencer green: follower green}`` names), through its own yellow, all-red and min green.
    clusters: ``{"name": [light ids]}`` (any lights, disjoint): each member's observation gains the
    ``cluster`` block (its peers' green one-hot and queue fill); cluster_weight: the share of the peers' mean
    reward mixed into each member's (``(1 - neighbor_weight - cluster_weight) * own + ...``).
    detectors: camera-like sensors (Regularflow's managers) for the ``detector_*`` observations and
    reward: "generate" places a SUMO lane-area detector on every incoming lane, ``detection_distance``
    metres long (continued upstream along a single-lane chain); a path reads the ``<laneAreaDetector>``s
    of your additional file (loaded if the scenario does not load it already).
    pedestrian_clearance: seconds from the end of a pedestrian crossing's green to the next green, at least
    (networks with crossings: the all-red of such a transition is lengthened to cover it; netconvert's
    default is 5 s). pedestrian_weight: what a waiting pedestrian counts against a halting vehicle in
    the rewards that weigh both (``queue_pedestrians``).
    """

    delta_time: float = 5.0
    yellow: float = 3.0
    all_red: float = 2.0
    min_green: float = 5.0
    max_green: Optional[float] = 60.0
    action_mode: str = "phase"
    observation: Sequence[str] = ("phase", "min_green", "density", "queue")
    reward: str = "wait"
    neighbor_weight: float = 0.0
    change_cost: float = 0.0
    reward_scale: float = 1.0
    pad_observations: bool = False
    action_mask: bool = False
    action_prior: Optional[str] = None
    tls_ids: Optional[Sequence[str]] = None
    include_single_green: bool = False
    max_neighbours: int = 4
    nearest_vehicles: int = 2
    measures: Sequence[str] = ()
    protocol: str = "flowlights"
    detection_distance: float = 200.0
    horizon: Optional[int] = None
    sims_per_step: Optional[int] = None
    warmup_steps: int = 0
    additional_params: dict[str, Any] = field(default_factory=dict)
    evaluate: bool = False
    clip_actions: bool = True
    decision: str = "fixed"
    couplings: Sequence[Sequence[Any]] = ()
    clusters: dict[str, Sequence[str]] = field(default_factory=dict)
    cluster_weight: float = 0.0
    detectors: Optional[str] = None
    pedestrian_clearance: float = 5.0
    pedestrian_weight: float = 1.0

    def __post_init__(self) -> None:
        check_types(self)
        get_protocol(self.protocol)
        if self.max_green is not None and math.isinf(self.max_green):
            self.max_green = None
        if not self.yellow > 0:
            raise ConfigError(f"yellow={self.yellow!r}: a yellow of > 0 s is required (safety), e.g. 3.")
        if self.all_red < 0:
            raise ConfigError(f"all_red={self.all_red!r} must be >= 0 s (0 disables the all-red clearance).")
        if not self.min_green > 0:
            raise ConfigError(f"min_green={self.min_green!r} must be > 0 s, e.g. 5.")
        if self.max_green is not None and self.max_green < self.min_green:
            raise ConfigError(
                f"min_green={self.min_green!r} is larger than max_green={self.max_green!r}; "
                "lower min_green, raise max_green, or set max_green=None."
            )
        if self.delta_time < self.yellow + self.all_red:
            raise ConfigError(
                f"delta_time={self.delta_time!r} is shorter than yellow + all_red = "
                f"{self.yellow + self.all_red!r} s; raise delta_time or shorten the transition."
            )
        if self.decision not in DECISIONS:
            raise ConfigError(
                f"decision={self.decision!r} is unknown; use one of {DECISIONS} ('fixed': every light every "
                "delta_time; 'event': a light only when it can act)."
            )
        if self.action_mode not in ACTION_MODES:
            raise ConfigError(f"action_mode={self.action_mode!r} is unknown; use one of {ACTION_MODES}.")
        if self.action_prior is not None and self.action_mode != "phase":
            raise ConfigError(
                f"action_prior={self.action_prior!r} is a choice of green, so it needs action_mode='phase' "
                f"(got {self.action_mode!r})."
            )
        if isinstance(self.observation, str):
            self.observation = (self.observation,)
        self.observation = tuple(self.observation)
        if not self.observation:
            raise ConfigError("observation=[] gives the agents nothing to see; name features, e.g. ['phase', 'queue'].")
        if isinstance(self.measures, str):
            self.measures = (self.measures,)
        self.measures = tuple(sorted(check_needs(self.measures, "EnvParams.measures")))
        for name in ("horizon", "sims_per_step"):
            if getattr(self, name) is not None and getattr(self, name) < 1:
                raise ConfigError(f"{name}={getattr(self, name)!r} must be >= 1 (env steps), or None.")
        if self.warmup_steps < 0:
            raise ConfigError(f"warmup_steps={self.warmup_steps!r} must be >= 0 (env steps).")
        if not self.detection_distance > 0:
            raise ConfigError(f"detection_distance={self.detection_distance!r} must be > 0 metres, e.g. 200.")
        if not 0.0 <= self.neighbor_weight <= 1.0:
            raise ConfigError(f"neighbor_weight={self.neighbor_weight!r} must be within [0, 1].")
        if not self.change_cost >= 0:
            raise ConfigError(
                f"change_cost={self.change_cost!r} must be >= 0 (reward units per green change; 0 disables it)."
            )
        if not (self.reward_scale > 0 and math.isfinite(self.reward_scale)):
            raise ConfigError(
                f"reward_scale={self.reward_scale!r} must be a finite number > 0 (1 leaves rewards as they are; "
                "e.g. 0.01 to bring per-decision rewards of -100 to -1)."
            )
        if not 0.0 <= self.cluster_weight <= 1.0 or self.neighbor_weight + self.cluster_weight > 1.0:
            raise ConfigError(
                f"cluster_weight={self.cluster_weight!r} must be within [0, 1] and, with "
                f"neighbor_weight={self.neighbor_weight!r}, sum to at most 1."
            )
        self._check_groups()
        if self.pedestrian_clearance < 0 or self.pedestrian_weight < 0:
            raise ConfigError(
                f"pedestrian_clearance={self.pedestrian_clearance!r} s and pedestrian_weight="
                f"{self.pedestrian_weight!r} must be >= 0."
            )
        if self.detectors is not None and not str(self.detectors).strip():
            raise ConfigError("detectors='' names no sensors; use 'generate', the path of an additional file, or None.")
        if self.tls_ids is not None:
            if isinstance(self.tls_ids, str):
                self.tls_ids = [self.tls_ids]
            self.tls_ids = [str(t) for t in self.tls_ids]
            if not self.tls_ids:
                raise ConfigError("tls_ids=[] controls no light; give at least one id or None for all.")

    def _check_groups(self) -> None:
        """couplings / clusters in their canonical form (tuples, str ids); shapes checked here, ids in the env."""
        if isinstance(self.couplings, (str, bytes)) or not isinstance(self.couplings, (list, tuple)):
            raise ConfigError(
                f"couplings={self.couplings!r} must be a list of (influencer, follower) pairs, e.g. [('A0', 'B0')]."
            )
        try:  # shapes here; the ids are checked against the network by the env
            self.couplings = tuple((i, f) if t is None else (i, f, t) for i, f, t in parse_couplings(self.couplings))
        except ValueError as exc:
            raise ConfigError(f"EnvParams.couplings: {exc}") from None
        if not isinstance(self.clusters, dict):
            raise ConfigError(
                f"clusters={self.clusters!r} must be a dict {{name: [light ids]}}, e.g. {{'c0': ['A0', 'A1']}}."
            )
        owner: dict[str, str] = {}
        for name, members in self.clusters.items():
            if isinstance(members, (str, bytes)) or not isinstance(members, (list, tuple)) or len(members) < 2:
                raise ConfigError(f"clusters[{name!r}]={members!r} must list two or more light ids.")
            for tls in map(str, members):
                if tls in owner:
                    raise ConfigError(
                        f"light {tls!r} is in clusters {owner[tls]!r} and {name!r}; a light belongs to one cluster."
                    )
                owner[tls] = str(name)
        self.clusters = {str(n): [str(t) for t in m] for n, m in self.clusters.items()}
        if self.cluster_weight and not self.clusters:
            raise ConfigError(
                f"cluster_weight={self.cluster_weight!r} mixes cluster rewards but no clusters are given; "
                "set clusters={'name': [light ids]} or cluster_weight=0."
            )


def split_kwargs(kwargs: dict[str, Any], *classes: type) -> list[dict[str, Any]]:
    """Distribute keyword arguments over dataclasses by field name; unknown names raise."""
    names = [{f.name for f in fields(c)} for c in classes]
    parts: list[dict[str, Any]] = [{} for _ in classes]
    for key, value in kwargs.items():
        for part, allowed in zip(parts, names):
            if key in allowed:
                part[key] = value
                break
        else:
            allowed_all = sorted(set().union(*names))
            raise ConfigError(f"unknown argument {key!r}; allowed: {', '.join(allowed_all)}.")
    return parts


def _one_home(params: Any, key: str, value: Any, flow_name: str) -> Any:
    """``params`` with ``key`` set from Flow's ``flow_name``; a non-default value already there that
    differs is a ConfigError naming both."""
    default = next(f.default for f in fields(params) if f.name == key)
    return dataclasses.replace(params, **{key: one_home(key, getattr(params, key), default, value, key, flow_name)})


def flow_steps(sim: SumoParams, env: EnvParams, begin: float) -> tuple[SumoParams, EnvParams]:
    """Flow's step counts in this simulation's seconds. An env step is ``sims_per_step`` simulation
    steps of ``step_length``: ``sims_per_step`` sets delta_time (when given), ``warmup_steps`` the
    warm-up and ``horizon`` the end (begin + warm-up + horizon env steps). (A decision every simulation step,
    Flow's default, is not kept: with a 3 s yellow it would ask every light every second.)"""
    per_step = (env.sims_per_step or 1) * sim.step_length
    if env.sims_per_step is not None:
        env = _one_home(env, "delta_time", per_step, f"sims_per_step={env.sims_per_step}")
    if env.warmup_steps:
        sim = _one_home(sim, "warmup", env.warmup_steps * per_step, f"warmup_steps={env.warmup_steps}")
    if env.horizon is not None:  # Flow's horizon counts the env steps after the warm-up
        end = begin + sim.warmup + env.horizon * per_step
        if sim.end is not None and sim.end != end:
            raise ConfigError(
                f"end={sim.end!r} and horizon={env.horizon} (which gives end={end:g}) disagree; keep one of them."
            )
        sim = dataclasses.replace(sim, end=end)
    return sim, env
