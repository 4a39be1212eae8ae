"""TrafficLightEnv: the generic multi-intersection environment, one agent per controlled light.

Observations and rewards come from the registries in ``flowlights.features.observations`` and
``flowlights.features.rewards``; lane data comes from one SUMO subscription per watched lane.
"""

from __future__ import annotations

import dataclasses
import warnings
from pathlib import Path
from typing import Any

import numpy as np
from gymnasium import spaces

from flowlights.common.cache import cache_dir
from flowlights.envs.multi_env import MultiEnv
from flowlights.envs.render import NetworkRenderer
from flowlights.errors import ConfigError
from flowlights.features.junction import VEHICLE_SPACE, JunctionView, green_lanes
from flowlights.features.observations import cluster_status, get_features, prior_feature
from flowlights.features.rewards import CHANGE_REWARDS, get_reward, reward_needs
from flowlights.networks.detection import detection_zones
from flowlights.networks.detectors import plan_detectors, read_detectors, write_detectors
from flowlights.networks.movements import lane_sum_matrix, light_movements, served_matrix
from flowlights.networks.network_file import NetworkFile
from flowlights.params import EnvParams, SumoParams, _one_home
from flowlights.sim.approach import StopLineCounter
from flowlights.sim.detector_reader import DetectorReader
from flowlights.sim.held_back import HeldBackCounter
from flowlights.sim.lanes import DETECTOR, HELD_BACK, OUTGOING, PEDESTRIANS, ZONE, LaneMeasures, LaneSensor
from flowlights.sim.pedestrians import PedestrianCounter

# Flow's traffic-light additional_params this env reads, each into its own field
FLOW_TL_KEYS = {"switch_time": "min_green", "num_observed": "nearest_vehicles"}
FLOW_TL_NOT_USED = {
    "tl_type": "every controlled light is an agent; others keep their program",
    "target_velocity": "rewards are chosen by name (EnvParams.reward)",
    "num_local_edges": "observations are chosen by name (EnvParams.observation)",
    "num_local_lights": "observations are chosen by name (EnvParams.observation)",
}


def read_flow_additional_params(env_params: EnvParams) -> EnvParams:
    """Flow's traffic-light ``additional_params`` in this env's fields: switch_time -> min_green,
    num_observed -> nearest_vehicles, discrete -> action_mode "switch" (keep/switch, as Flow's env);
    the others are reported with a warning, never dropped in silence."""
    if env_params.evaluate:
        warnings.warn(
            "EnvParams.evaluate=True has no meaning in TrafficLightEnv (its reward is EnvParams.reward; "
            "evaluate with `flowlights evaluate`).",
            UserWarning,
            stacklevel=4,
        )
    for key, value in env_params.additional_params.items():
        if key in FLOW_TL_KEYS:
            env_params = _one_home(env_params, FLOW_TL_KEYS[key], value, f"additional_params[{key!r}]")
        elif key == "discrete":
            env_params = _one_home(env_params, "action_mode", "switch", f"additional_params['discrete']={value!r}")
        else:
            why = FLOW_TL_NOT_USED.get(key, "TrafficLightEnv does not read it; your own env class may")
            warnings.warn(
                f"EnvParams.additional_params[{key!r}] is not used by TrafficLightEnv ({why}).",
                UserWarning,
                stacklevel=4,
            )
    return dataclasses.replace(env_params, additional_params={}) if env_params.additional_params else env_params


def cluster_peers(clusters: dict[str, list[str]], controlled: list[str]) -> dict[str, list[str]]:
    """Light -> the other members of its cluster; every member must be a controlled light (agent or follower)."""
    peers = {}
    for name, members in clusters.items():
        for tls in members:
            if tls not in controlled:
                sample = ", ".join(controlled[:10]) + (" ..." if len(controlled) > 10 else "")
                raise ConfigError(
                    f"clusters[{name!r}] names {tls!r}, which is not a controlled light; controlled: {sample}."
                )
        for tls in members:
            peers[tls] = [p for p in members if p != tls]
    return peers


def mix_rewards(local: dict[str, float], tls: str, groups: list[tuple[float, list[str]]]) -> float:
    """``tls``'s reward with each group's mean reward mixed in by its weight (an empty group adds nothing)."""
    own_weight, total = 1.0, 0.0
    for weight, members in groups:
        if weight and members:
            own_weight -= weight
            total += weight * float(np.mean([local[m] for m in members]))
    return own_weight * local[tls] + total


GREEN_CHANGES_SEEN = "green_changes_seen"  # a light's reward memory: its green changes already charged (change_cost)


class TrafficLightEnv(MultiEnv):
    """Every controlled traffic light is an agent; see EnvParams for what it sees and does."""

    metadata = {"name": "flowlights_v0", "render_modes": ["rgb_array"], "render_fps": 4, "is_parallelizable": True}

    def __init__(
        self, scenario: NetworkFile, sim_params: SumoParams, env_params: EnvParams, render_mode: str | None = None
    ) -> None:
        env_params = read_flow_additional_params(env_params)
        if env_params.clusters and "cluster" not in env_params.observation:  # clusters see their peers
            env_params = dataclasses.replace(env_params, observation=(*env_params.observation, "cluster"))
        super().__init__(scenario, sim_params, env_params)
        if render_mode not in (None, "rgb_array"):
            raise ConfigError(
                f"render_mode={render_mode!r} is not supported; use 'rgb_array' (or sumo-gui via 'flowlights visualize')."
            )
        self.render_mode = render_mode
        self._renderer: Any = None
        self.features = get_features(env_params.observation)
        self.prior = None if env_params.action_prior is None else prior_feature(env_params.action_prior)
        self.reward_fn = get_reward(env_params.reward)
        self.reward_is_change = env_params.reward in CHANGE_REWARDS
        self.sensor = self._make_sensor()
        self.zone_counter = self._make_zone_counter()
        self.held_back_counter = self._make_held_back_counter()
        self.detector_reader, detector_lengths = self._make_detector_reader()
        self.pedestrian_counter = self._make_pedestrian_counter()
        self.views = {t: self._make_view(t) for t in self.controlled}
        self.neighbour_ids = {t: [n for n in self.topology.neighbours(t) if n in self.views] for t in self.controlled}
        self.cluster_ids = cluster_peers(env_params.clusters, self.controlled)
        for tls, view in self.views.items():
            view.neighbours = [self.controller.machines[n] for n in self.neighbour_ids[tls]]
            view.peers = [self.views[p] for p in self.cluster_ids.get(tls, [])]
            lengths = np.array(
                [detector_lengths.get(l, VEHICLE_SPACE) for l in self.topology.lights[tls].incoming_lanes]
            )
            view.detector_capacity = np.maximum(lengths / VEHICLE_SPACE, 1.0)
        self._build_spaces()
        self._measures: LaneMeasures | None = None
        self._memory: dict[str, dict] = {}

    def _make_sensor(self) -> LaneSensor:
        """Watch the lanes and variables the observation, reward and ``measures`` need, no more."""
        lights = [self.topology.lights[t] for t in self.controlled]
        incoming = [lane for light in lights for lane in light.incoming_lanes]
        lanes = list(dict.fromkeys(incoming + [lane for light in lights for lane in light.outgoing_lanes]))
        needs = set(self.env_params.measures) | reward_needs(self.env_params.reward)
        for feature in [*self.features, *([self.prior] if self.prior else [])]:
            needs |= feature.needs
        direct = self.sim_params.backend == "libsumo"  # direct calls are cheap in-process; TraCI subscribes
        return LaneSensor(lanes, watched=lanes if OUTGOING in needs else incoming, needs=needs, direct=direct)

    def _make_zone_counter(self) -> StopLineCounter | None:
        """Counts vehicles in each incoming lane's detection zone, when something declared ``zone``."""
        if ZONE not in self.sensor.needs:
            return None
        incoming = [lane for t in self.controlled for lane in self.topology.lights[t].incoming_lanes]
        distance = self.env_params.detection_distance
        zones = detection_zones(self.topology, list(dict.fromkeys(incoming)), distance)
        lengths = {lane: self.topology.lanes[lane].length for zone in zones.values() for lane, _, _ in zone}
        return StopLineCounter(zones, lengths, distance)

    def _make_held_back_counter(self) -> HeldBackCounter | None:
        """Counts the vehicles kept out of the network, when something declared ``held_back``."""
        if HELD_BACK not in self.sensor.needs:
            return None
        entries: dict[str, list[int]] = {}
        for tls in self.controlled:
            for lane in self.topology.lights[tls].incoming_lanes:
                rows = entries.setdefault(self.topology.lanes[lane].edge, [])
                if self.sensor.index[lane] not in rows:
                    rows.append(self.sensor.index[lane])
        return HeldBackCounter(entries, len(self.sensor.lanes))

    def _make_detector_reader(self) -> tuple[DetectorReader | None, dict[str, float]]:
        """Place (or read) the lane-area detectors when ``detectors`` is set; (reader, lane -> metres covered)."""
        choice, reads = self.env_params.detectors, DETECTOR in self.sensor.needs
        if choice is None:
            if reads:
                raise ConfigError(
                    "an observation or reward reads lane-area detectors (detector_*) but EnvParams.detectors "
                    "is not set; set detectors='generate' or the path of your detectors' additional file."
                )
            return None, {}
        if not reads:
            warnings.warn(
                f"EnvParams.detectors={choice!r} is set but no observation or reward reads detectors; "
                "use the detector_count / detector_queue observations or the detector_queue reward.",
                UserWarning,
                stacklevel=3,
            )
        incoming = [lane for t in self.controlled for lane in self.topology.lights[t].incoming_lanes]
        if choice == "generate":
            placed = plan_detectors(self.topology, incoming, self.env_params.detection_distance)
            self.sim.extra_additional.append(write_detectors(placed, self.topology, cache_dir() / "detectors"))
        else:
            path = Path(choice).expanduser().resolve()
            if not path.is_file():
                raise ConfigError(
                    f"detectors={choice!r}: no such file; give 'generate' or an additional file with <laneAreaDetector>s."
                )
            placed = read_detectors(path, self.topology, incoming)
            self.sim.extra_additional.append(path)
        by_lane: dict[str, list[str]] = {}
        lengths: dict[str, float] = {}
        for det in placed:
            by_lane.setdefault(det.lanes[-1], []).append(det.id)
            lengths[det.lanes[-1]] = max(lengths.get(det.lanes[-1], 0.0), det.length)
        return DetectorReader(by_lane, self.sensor.lanes), lengths

    def _make_pedestrian_counter(self) -> PedestrianCounter | None:
        """Counts persons waiting at the crossings, when something declared ``pedestrians``."""
        if PEDESTRIANS not in self.sensor.needs:
            return None
        areas = {
            lane: self.topology.lanes[lane].edge for t in self.controlled for lane in self.topology.walking_areas(t)
        }
        if not areas:
            raise ConfigError(
                f"an observation or reward reads pedestrians, but no controlled light of {self.scenario.name!r} "
                "has a pedestrian crossing; build the network with crossings (GridNetwork(pedestrians=True), "
                "netconvert --crossings.guess) or drop the pedestrian features."
            )
        return PedestrianCounter(areas, self.sensor.lanes)

    def _read_measures(self) -> LaneMeasures:
        measures = self.sensor.read(self.sim.api)
        if self.pedestrian_counter is not None:
            measures.add_pedestrians(self.pedestrian_counter.read(self.sim.api))
        if self.detector_reader is not None:
            measures.add_detectors(*self.detector_reader.read(self.sim.api))
        if self.zone_counter is not None:
            rows = [self.sensor.index[lane] for lane in self.zone_counter.lanes]
            full = []
            for counts in self.zone_counter.read(self.sim.api):  # near, queued, wait
                full.append(np.full(len(self.sensor.lanes), np.nan))
                full[-1][rows] = counts
            measures.add_zone(*full)
        if self.held_back_counter is not None:
            measures.add_held_back(self.held_back_counter.read(self.sim.api))
        return measures

    def _make_view(self, tls: str) -> JunctionView:
        """What observations and rewards see of light ``tls`` (its lanes' places in the sensor's arrays)."""
        light, lanes, index = self.topology.lights[tls], self.topology.lanes, self.sensor.index
        moves = [pair for i in sorted(light.links) for pair in light.links[i][:1]]
        movements = light_movements(self.topology, tls, self.controlled)
        fed = list(dict.fromkeys(lane for movement in movements for lane in movement.fed_lanes))
        p = self.env_params
        return JunctionView(
            tls_id=tls,
            machine=self.controller.machines[tls],
            step_length=self.sim_params.step_length,
            in_idx=np.array([index[l] for l in light.incoming_lanes], dtype=int),
            out_idx=np.array([index[l] for l in light.outgoing_lanes], dtype=int),
            move_in=np.array([index[i] for i, _ in moves], dtype=int),
            move_out=np.array([index[o] for _, o in moves], dtype=int),
            in_length=np.array([lanes[l].length for l in light.incoming_lanes]),
            in_speed_limit=np.array([max(lanes[l].speed, 0.1) for l in light.incoming_lanes]),
            out_length=np.array([lanes[l].length for l in light.outgoing_lanes]),
            max_neighbours=p.max_neighbours,
            max_peers=max((len(members) - 1 for members in p.clusters.values()), default=0),
            max_greens=max(len(m.greens) for m in self.controller.machines.values()),
            nearest_k=p.nearest_vehicles,
            detection_distance=p.detection_distance,
            walk_idx=np.array([index[l] for l in self.topology.walking_areas(tls)], dtype=int),
            vehicle_pos=np.array([k for k, l in enumerate(light.incoming_lanes) if lanes[l].function == ""], dtype=int),
            pedestrian_weight=p.pedestrian_weight,
            green_lanes=green_lanes(self.controller.machines[tls].greens, light.links, light.incoming_lanes),
            served=served_matrix(self.controller.machines[tls].greens, movements),
            movement_lanes=lane_sum_matrix(movements, "in_lanes", {l: k for k, l in enumerate(light.incoming_lanes)}),
            movement_exits=lane_sum_matrix(movements, "exit_lanes", {l: k for k, l in enumerate(light.outgoing_lanes)}),
            fed_idx=np.array([index[l] for l in fed], dtype=int),
            movement_fed=lane_sum_matrix(movements, "fed_lanes", {l: k for k, l in enumerate(fed)}),
        )

    # -- spaces ---------------------------------------------------------------------------
    def _build_spaces(self) -> None:
        """Each light's Box from its features' bounds; with ``pad_observations`` one Box for all (zero
        padding to the widest light, bounds the union of every light's), so one policy can serve all."""
        p = self.env_params
        sizes = {t: [f.size(self.views[t]) for f in self.features] for t in self.possible_agents}
        n_actions = {t: self.controller.machines[t].n_actions for t in self.possible_agents}
        width = max(sum(s) for s in sizes.values())
        bounds = {}
        for tls in self.possible_agents:
            low = np.concatenate([np.full(s, f.low) for f, s in zip(self.features, sizes[tls])])
            high = np.concatenate([np.full(s, f.high) for f, s in zip(self.features, sizes[tls])])
            if p.pad_observations:
                low, high = (np.concatenate([b, np.zeros(width - b.size)]) for b in (low, high))
            bounds[tls] = (low, high)
        if p.pad_observations:
            union = (np.min([b[0] for b in bounds.values()], axis=0), np.max([b[1] for b in bounds.values()], axis=0))
            bounds = {tls: union for tls in bounds}
        self._obs_width = {tls: low.size for tls, (low, _) in bounds.items()}
        self._obs_spaces: dict[str, spaces.Space] = {}
        self._act_spaces: dict[str, spaces.Space] = {}
        for tls, (low, high) in bounds.items():
            box = spaces.Box(low.astype(np.float32), high.astype(np.float32), dtype=np.float32)
            n = max(n_actions.values()) if p.pad_observations else n_actions[tls]
            self._act_spaces[tls] = spaces.Discrete(n)
            parts: dict[str, spaces.Space] = {}
            if p.action_mask:
                parts["action_mask"] = spaces.Box(0, 1, shape=(n,), dtype=np.int8)
            if p.action_prior is not None:
                parts["action_prior"] = spaces.Box(0.0, 1.0, shape=(n,), dtype=np.float32)
            self._obs_spaces[tls] = spaces.Dict({"observation": box, **parts}) if parts else box

    def observation_space(self, agent: str) -> spaces.Space:
        return self._obs_spaces[agent]

    def action_space(self, agent: str) -> spaces.Space:
        return self._act_spaces[agent]

    @property
    def measures(self) -> LaneMeasures:
        """The lane measurements taken at the last decision (for controllers and rewards)."""
        assert self._measures is not None, "call reset() first"
        return self._measures

    # -- Flow hooks -------------------------------------------------------------------------
    def _on_reset(self) -> None:
        self.sensor.subscribe(self.sim.api)
        if self.zone_counter is not None:
            self.zone_counter.reset()
        if self.held_back_counter is not None:
            self.held_back_counter.reset()
        self._measures = self._read_measures()
        self._memory = {t: {} for t in self.controlled}
        self.compute_reward({})  # primes rewards defined as changes
        self.change_costs(self._memory)  # and the green changes already counted

    def _apply_rl_actions(self, rl_actions: dict[str, Any]) -> None:
        """Actions beyond a light's own count (padded action spaces) are ignored."""
        machines = self.controller.machines
        self.controller.apply({t: int(a) for t, a in rl_actions.items() if int(a) < machines[t].n_actions})

    def get_state(self) -> dict[str, Any]:
        self._measures = self._read_measures()
        obs: dict[str, Any] = {}
        for tls in self.agents:
            view = self.views[tls]
            vector = np.zeros(self._obs_width[tls], dtype=np.float32)  # zero padding beyond the light's own features
            computed = {f.name: f.fn(view, self._measures) for f in self.features}
            blocks = np.concatenate([computed[f.name] for f in self.features])
            vector[: blocks.size] = blocks
            obs[tls] = self._with_parts(tls, vector, computed)
        return obs

    def _with_parts(self, tls: str, vector: np.ndarray, computed: dict[str, np.ndarray]) -> Any:
        """The observation vector, or with ``action_mask`` / ``action_prior`` the dict of it and them (the prior
        taken from ``computed`` when the observation already holds the controller's choice)."""
        p = self.env_params
        if not p.action_mask and self.prior is None:
            return vector
        parts: dict[str, np.ndarray] = {"observation": vector}
        if p.action_mask:
            parts["action_mask"] = self.action_mask(tls)
        if self.prior is not None:
            parts["action_prior"] = self.action_prior(tls, computed.get(self.prior.name))
        return parts

    def cluster_layout(self, tls: str) -> dict[str, Any] | None:
        """Where a light's observation holds its cluster peers' statuses: {"at": first index, "width": per
        peer, "peers": [ids]} (None when it has no cluster block or no peers)."""
        names = [f.name for f in self.features]
        if "cluster" not in names or not self.cluster_ids.get(tls):
            return None
        view = self.views[tls]
        at = sum(f.size(view) for f in self.features[: names.index("cluster")])
        return {"at": at, "width": view.max_greens + 1, "peers": list(self.cluster_ids[tls])[: view.max_peers]}

    def cluster_status(self, tls: str) -> list[float]:
        """What light ``tls`` tells its cluster peers now (``flowlights.features.observations.cluster_status``)."""
        view = self.views[tls]
        return cluster_status(view, self.measures, view.max_greens).tolist()

    def action_mask(self, tls: str) -> np.ndarray:
        """What light ``tls`` may do now: 1 per allowed action (min green, transitions, padded actions are 0)."""
        own = self.controller.machines[tls].action_mask()
        n = self._act_spaces[tls].n
        return own if own.size == n else np.concatenate([own, np.zeros(n - own.size, dtype=np.int8)])

    def action_prior(self, tls: str, choice: np.ndarray | None = None) -> np.ndarray:
        """What ``EnvParams.action_prior``'s controller would choose for light ``tls`` now, one-hot over the (padded)
        actions; ``choice``: that one-hot over the light's own greens, when already computed."""
        assert self.prior is not None and self._measures is not None
        prior = np.zeros(self._act_spaces[tls].n, dtype=np.float32)
        if choice is None:
            choice = self.prior.fn(self.views[tls], self._measures)
        prior[: choice.size] = choice
        return prior

    def compute_reward(self, rl_actions: dict[str, Any], **kwargs: Any) -> dict[str, float]:
        assert self._measures is not None
        return self.rewards_with(self._memory)

    def one_off_rewards(self) -> dict[str, float]:
        """``EnvParams.change_cost``: minus the cost of each green change a light began since its last reward."""
        return self.change_costs(self._memory)

    def change_costs(self, memory: dict[str, dict]) -> dict[str, float]:
        """Minus ``change_cost`` times the green changes each light began since the last call with this ``memory``
        (one dict per light, as for ``rewards_with``; nothing at the first call); {} when change_cost is 0."""
        cost = self.env_params.change_cost * self.env_params.reward_scale
        if not cost:
            return {}
        costs = {}
        for tls in self.possible_agents:  # an episode's last changes too, once its agents are gone
            seen, now = memory.setdefault(tls, {}), self.controller.machines[tls].changes
            costs[tls] = -cost * (now - seen.get(GREEN_CHANGES_SEEN, now))
            seen[GREEN_CHANGES_SEEN] = now
        return costs

    def rewards_with(self, memory: dict[str, dict]) -> dict[str, float]:
        """Every agent's reward from the last measurements (times ``reward_scale``), rewards defined as changes keeping
        their state in ``memory`` (one dict per light): the env's own rewards, or another observer's (a deployed light's)."""
        assert self._measures is not None
        local = {t: self.reward_fn(self.views[t], self._measures, memory.setdefault(t, {})) for t in self.controlled}
        scale = self.env_params.reward_scale
        return {
            t: scale
            * mix_rewards(
                local,
                t,
                [
                    (self.env_params.neighbor_weight, self.neighbour_ids[t]),
                    (self.env_params.cluster_weight, self.cluster_ids.get(t, [])),
                ],
            )
            for t in self.agents
        }

    def render(self) -> Any:
        """rgb_array: the network, vehicles by speed and every controlled light's signals."""
        if self.render_mode != "rgb_array":
            return None
        if self._renderer is None:
            links = {
                t: [(i, pairs[0][0]) for i, pairs in sorted(self.topology.lights[t].links.items())]
                for t in self.controlled
            }
            self._renderer = NetworkRenderer(str(self.scenario.net_file), links)
        return self._renderer.draw(self.sim.api, {t: m.state for t, m in self.controller.machines.items()})

    def close(self) -> None:
        if self._renderer is not None:
            self._renderer.close()
            self._renderer = None
        super().close()

    def _infos(self) -> dict[str, dict]:
        return {t: {"action_mask": self.action_mask(t)} for t in self.agents}
