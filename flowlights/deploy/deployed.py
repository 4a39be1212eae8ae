"""The simulation ("intersection") side of a deployment: a Controller whose decisions come from the lights'
own services over a bus.

At each decision it publishes every light's sensor reading on its cluster's manager topic, the
statuses of cluster members that are not services (followers), and a display frame; then it collects
the lights' decisions from the cluster topics. Lockstep (default): the simulation waits for every
light, sending a reading again to a light that has not answered within ``resend_after`` seconds (a
restarted light gets it then); ``realtime``: each decision interval lasts ``delta_time / speed``
seconds of wall time, and a light whose decision has not arrived by then holds its last safe state.
A decision is applied once per (light, seq): duplicates and late ones are counted, never applied.
"""

from __future__ import annotations

import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import numpy as np

from flowlights.baselines import CONTROLLERS
from flowlights.baselines.base import Controller, SplitController
from flowlights.deploy.bus import Bus, check_namespace, open_bus, partition_address, start_ray_bus
from flowlights.deploy.light_service import LightSpec, fill_cluster_block, well_formed
from flowlights.deploy.online import OnlineLearner
from flowlights.envs.traffic_light_env import TrafficLightEnv
from flowlights.errors import ConfigError
from flowlights.sim.statistics import episode_metrics

DISPLAY_TOPIC = "display"


@dataclass
class DeployStats:
    """What the simulation side saw of the services (deploy's report: ``deploy`` in metrics.json)."""

    decisions_applied: int = 0
    decisions_missing: int = 0  # realtime: lights that held their state because no decision came in time
    missing_by_light: dict[str, int] = field(default_factory=dict)  # the same, light by light
    duplicates_ignored: int = 0
    late_ignored: int = 0
    resent: int = 0
    malformed: int = 0  # dropped: not a well-formed message, or an action the light does not have
    unknown: int = 0  # dropped: a decision from a light that is not one of this deployment's
    unsigned: int = 0  # dropped: not signed with the deployment's bus key
    messages: int = 0
    latencies: list[float] = field(default_factory=list)  # seconds, reading published -> decision received
    started: Optional[float] = None  # the first decision (services up): rates count from here

    def summary(self) -> dict[str, Any]:
        lat = np.array(self.latencies) * 1000.0 if self.latencies else np.array([np.nan])
        wall = time.monotonic() - self.started if self.started is not None else 0.0
        return {
            "decisions_applied": self.decisions_applied,
            "decisions_missing": self.decisions_missing,
            "decisions_missing_by_light": dict(sorted(self.missing_by_light.items())),
            "duplicates_ignored": self.duplicates_ignored,
            "late_ignored": self.late_ignored,
            "resent": self.resent,
            "malformed": self.malformed,
            "unknown": self.unknown,
            "unsigned": self.unsigned,
            "latency_ms_p50": float(np.percentile(lat, 50)),
            "latency_ms_p99": float(np.percentile(lat, 99)),
            "messages": self.messages,
            "messages_per_second": self.messages / wall if wall > 0 else float("nan"),
            "wall_seconds": wall,
        }


def service_groups(env: TrafficLightEnv) -> list[tuple[str, list[str]]]:
    """(group name, its controlled lights): the user's clusters in order, then one group for the rest.
    Group k talks on ``manager<k>`` (partition i: its i-th light's readings) and ``cluster<k>``."""
    groups = [list(members) for members in env.env_params.clusters.values()]
    grouped = {t for members in groups for t in members}
    rest = [t for t in env.controlled if t not in grouped]
    if rest:
        groups.append(rest)
    return [(f"cluster{k}", members) for k, members in enumerate(groups)]


class DeployedController(Controller):
    """Runs ``inner``'s per-light deciders as services on ``bus`` ("ray", "redis://...", "kafka://...")."""

    def __init__(
        self,
        inner: Controller,
        bus: str = "ray",
        realtime: bool = False,
        speed: float = 1.0,
        resend_after: float = 5.0,
        give_up_after: float = 300.0,
        kills: Optional[list[tuple[str, float]]] = None,
        train: bool = False,
        save_dir: Optional[Path] = None,
        learning_rate: float = 1e-4,
        namespace: Optional[str] = None,
        bus_key: Optional[str] = None,
    ) -> None:
        """``namespace`` prefixes every topic (default: a fresh one, so deployments sharing a broker never read
        each other's messages); ``bus_key``: sign every message (HMAC) and drop what is not signed with it."""
        if not isinstance(inner, SplitController):
            deployable = sorted(n for n, cls in CONTROLLERS.items() if getattr(cls, "deployable", False))
            raise ConfigError(
                f"controller {inner.name!r} cannot run as light services (its decisions are not split per "
                f"light); deployable: {', '.join(deployable)}, or a trained checkpoint."
            )
        if not speed > 0:
            raise ConfigError(f"speed={speed!r} must be > 0 (1 = wall clock, 10 = ten times faster).")
        self.inner, self.bus_choice, self.realtime, self.speed = inner, bus, realtime, speed
        self.resend_after, self.give_up_after = resend_after, give_up_after
        if train and not hasattr(inner, "light_module_path"):
            raise ConfigError("--train needs a trained policy (RESULT_DIR): a baseline has nothing to learn.")
        self.train, self.save_dir, self.learning_rate = train, save_dir, learning_rate
        self.reward_memory: dict[str, dict] = {}
        self.kills = sorted(kills or [], key=lambda k: k[1])  # (light, simulated second): fault injection
        self.killed: list[dict[str, Any]] = []
        self.name = f"deployed:{inner.name}"
        self.namespace = check_namespace(namespace) if namespace is not None else f"deploy-{uuid.uuid4().hex[:8]}"
        self.bus_key = bus_key
        self.display_topic = f"{self.namespace}.{DISPLAY_TOPIC}"
        self.env_overrides = dict(inner.env_overrides)
        if hasattr(inner, "scenario_kwargs"):
            self.scenario_kwargs = inner.scenario_kwargs
        self.bus: Optional[Bus] = None
        self.consumer: Any = None
        self.env: Optional[TrafficLightEnv] = None
        self.supervisors: dict[str, Any] = {}
        self.stats = DeployStats()
        self.seq = 0
        self.sim_time = 0.0  # simulated second of the last decision asked: for threads that must not call SUMO
        self.episode = 0
        self.frames = 0
        self._status_cache: tuple[float, dict[str, Any]] = (0.0, {})

    # -- services ---------------------------------------------------------------------------------
    def _start_services(self, env: TrafficLightEnv) -> None:
        from flowlights.deploy.actors import Supervisor  # optional: ray (rllib extra), which actors imports

        key = self.bus_key
        self.bus = start_ray_bus(key) if self.bus_choice == "ray" else open_bus(self.bus_choice, key)
        ns = self.namespace
        self.groups = service_groups(env)
        self.action_counts = {t: int(env.action_space(t).n) for t in env.possible_agents}
        self.topics = {}
        for k, (name, members) in enumerate(self.groups):
            for i, tls in enumerate(members):  # manager<k> has one partition per light: it reads only its own
                self.topics[tls] = (partition_address(f"{ns}.manager{k}", i), f"{ns}.{name}")
        self.bus.declare(
            {
                self.display_topic: 1,
                **{f"{ns}.manager{k}": len(members) for k, (_, members) in enumerate(self.groups)},
                **{f"{ns}.{name}": 1 for name, _ in self.groups},
            }
        )
        self.consumer = self.bus.subscribe(sorted({cluster for _, cluster in self.topics.values()}))
        deciders = dict(self.inner.deciders)
        if self.train:
            deciders = {
                tls: OnlineLearner(self.inner.light_module_path(tls), tls, lr=self.learning_rate, seed=k)
                for k, tls in enumerate(env.possible_agents)
            }
        save = str(Path(self.save_dir).resolve()) if self.save_dir is not None else None
        for name, members in self.groups:
            specs = [
                LightSpec(
                    tls,
                    *self.topics[tls],
                    list(env.cluster_ids.get(tls, [])),
                    deciders[tls],
                    self.bus.url,
                    save,
                    bus_key=self.bus_key,
                )
                for tls in members
                if tls in env.possible_agents
            ]
            if specs:
                self.supervisors[name] = Supervisor.options(num_cpus=0, max_concurrency=4).remote(name, specs)
        self._wait_all_ready()

    def _wait_all_ready(self) -> None:
        import ray  # optional: ray (rllib extra)

        ray.get([s.status.remote() for s in self.supervisors.values()])

    def service_status(self, max_age: float = 1.0) -> dict[str, dict[str, Any]]:
        """Every light service's state (up / restarting), restarts, process id and counters; cached ``max_age``
        seconds (0: fresh, counters asked of every light now)."""
        import ray  # optional: ray (rllib extra)

        when, cached = self._status_cache
        if time.monotonic() - when > max_age or max_age == 0:
            cached = {}
            for status in ray.get([s.status.remote(max_age == 0) for s in self.supervisors.values()]):
                cached.update(status)
            self._status_cache = (time.monotonic(), cached)
        return cached

    def kill_light(self, tls: str) -> int:
        """Fault injection: kill light ``tls``'s service process; its supervisor restarts it."""
        import ray  # optional: ray (rllib extra)

        for name, members in self.groups:
            if tls in members and name in self.supervisors:
                return ray.get(self.supervisors[name].kill.remote(tls))
        raise ConfigError(f"light {tls!r} runs no service here; services: {', '.join(sorted(self.topics))}.")

    def shutdown(self) -> None:
        """Stop the services and the bus; a light whose final save failed is an error naming it (a learning
        light's weights are never lost without a word)."""
        import ray  # optional: ray (rllib extra)

        failed: dict[str, str] = {}
        for name, supervisor in self.supervisors.items():
            try:
                failed.update(ray.get(supervisor.stop.remote(), timeout=300) or {})
            except Exception as exc:
                failed[name] = f"its supervisor did not stop cleanly ({type(exc).__name__})"
            ray.kill(supervisor, no_restart=True)
        self.supervisors = {}
        if self.consumer is not None:
            self.consumer.close()
            self.consumer = None
        if self.bus is not None:
            self.bus.close()
            self.bus = None
        if failed and self.save_dir is not None:
            raise ConfigError(
                f"the lights' modules could not all be saved to {str(self.save_dir)!r}: "
                + "; ".join(f"{light}: {error}" for light, error in sorted(failed.items()))
                + ". Check that the folder is writable and has space."
            )

    # -- Controller ---------------------------------------------------------------------------------
    def reset(self, env: TrafficLightEnv) -> None:
        self.inner.reset(env)
        self.env = env
        if self.bus is None:
            self._start_services(env)
        self.episode += 1
        self.reward_memory = {}

    def act(self, env: TrafficLightEnv, observations: dict[str, Any]) -> dict[str, int]:
        while self.kills and env.sim.time >= self.kills[0][1]:
            light, at = self.kills.pop(0)
            self.killed.append({"light": light, "time": env.sim.time, "pid": self.kill_light(light)})
            print(
                f"killed {light}'s service (pid {self.killed[-1]['pid']}) at {env.sim.time:g} s, as --kill asked; "
                "Ray's '(raylet) A worker died' line about it is expected, and its supervisor restarts it",
                file=sys.stderr,
            )
        if self.stats.started is None:
            self.stats.started = time.monotonic()
        readings = self.inner.sense(env, observations)
        if self.train:  # each light learns from its own reward for its previous decision (none at an episode's start)
            first = not self.reward_memory
            rewards, costs = env.rewards_with(self.reward_memory), env.change_costs(self.reward_memory)
            readings = {
                t: {**r, "reward": None if first else rewards[t] + costs.get(t, 0.0)} for t, r in readings.items()
            }
        self.seq += 1
        self.sim_time = env.sim.time
        seq, sent = self.seq, time.time()
        interval = env.env_params.delta_time / self.speed
        patience = interval / 2 if self.realtime else None
        statuses = {t: env.cluster_status(t) for t in env.cluster_ids}
        messages = {}
        for tls, reading in readings.items():
            layout = env.cluster_layout(tls) if "observation" in reading else None
            if layout is not None:  # the block comes from the peers' statuses on the cluster topic, not from here
                reading = blank_cluster_block(reading, layout)
            messages[tls] = {
                "kind": "reading",
                "light": tls,
                "seq": seq,
                "episode": self.episode,
                "time": env.sim.time,
                "sent": sent,
                "patience": patience,
                "reading": reading,
                "cluster": layout,
                **({"status": statuses[tls]} if tls in statuses else {}),
            }
        others = [self._status_message(t, seq, statuses) for t in statuses if t not in env.possible_agents]
        self._publish([(self.topics[t][0], m) for t, m in messages.items()] + others)
        actions = self._collect(messages, seq, sent, interval, statuses)
        self._publish([(self.display_topic, self.display_frame(env, actions))])
        if self.realtime:
            time.sleep(max(0.0, sent + interval - time.time()))
        return actions

    def _publish(self, items: list[tuple[str, dict[str, Any]]]) -> None:
        assert self.bus is not None
        self.bus.publish_many(items)
        self.stats.messages += len(items)

    def _status_message(self, tls: str, seq: int, statuses: dict[str, list[float]]) -> tuple[str, dict[str, Any]]:
        return self.topics[tls][1], {"kind": "status", "light": tls, "seq": seq, "status": statuses[tls]}

    def _collect(
        self, messages: dict[str, dict], seq: int, sent: float, interval: float, statuses: dict[str, list[float]]
    ) -> dict[str, int]:
        actions: dict[str, int] = {}
        last_send = time.monotonic()
        begun = last_send
        while len(actions) < len(messages):
            now = time.monotonic()
            if self.realtime and time.time() >= sent + interval:
                self.stats.decisions_missing += len(messages) - len(actions)
                for tls in messages:
                    if tls not in actions:
                        self.stats.missing_by_light[tls] = self.stats.missing_by_light.get(tls, 0) + 1
                break
            if not self.realtime and now - last_send >= self.resend_after:
                missing = [t for t in messages if t not in actions]
                if now - begun > self.give_up_after:
                    raise ConfigError(
                        f"lights {', '.join(missing)} gave no decision for {self.give_up_after:g} s "
                        f"(services: {self.service_status(0)}); is the bus {self.bus_choice!r} reachable?"
                    )
                # a restarted light missed its peers' statuses too: they are the ones computed here, sent again
                peers = {p for t in missing for p in (messages[t]["cluster"] or {}).get("peers", [])}
                self._publish(
                    [(self.topics[t][0], {**messages[t], "resend": True}) for t in missing]
                    + [self._status_message(p, seq, statuses) for p in sorted(peers)]
                )
                self.stats.resent += len(missing)
                last_send = now
            wait = min(0.5, max(0.0, sent + interval - time.time())) if self.realtime else 0.5
            for _, message in self.consumer.poll(wait):
                self.stats.messages += 1
                if not well_formed(message):
                    if message.get("kind") == "unsigned":
                        self.stats.unsigned += 1
                    else:
                        self.stats.malformed += 1
                    continue
                if message["kind"] != "decision":
                    continue
                tls = message["light"]
                if tls not in messages and tls not in self.action_counts:
                    self.stats.unknown += 1  # not one of this deployment's lights, whatever its seq
                elif message["seq"] != seq:
                    self.stats.late_ignored += message["seq"] < seq
                elif tls in actions:
                    self.stats.duplicates_ignored += 1
                elif tls not in messages:
                    self.stats.unknown += 1
                elif message["action"] >= self.action_counts.get(tls, message["action"] + 1):
                    self.stats.malformed += 1  # a green the light does not have
                else:
                    actions[tls] = int(message["action"])
                    self.stats.decisions_applied += 1
                    self.stats.latencies.append(time.time() - sent)
        return actions

    def display_frame(self, env: TrafficLightEnv, actions: dict[str, int]) -> dict[str, Any]:
        """What the dashboard shows (``network_frame``), with the services' states."""
        self.frames += 1
        services = {t: s["state"] for t, s in self.service_status().items()}
        return network_frame(env, self.seq, self.episode, actions, services)


def network_frame(
    env: TrafficLightEnv, seq: int, episode: int, actions: dict[str, int], services: dict[str, str]
) -> dict[str, Any]:
    """One display frame: each light's signal, green and queue per incoming lane and last action, the
    services' states, and the network's running totals (what the dashboard draws)."""
    m = env.measures
    lights = {}
    for tls in env.controlled:
        machine, view = env.controller.machines[tls], env.views[tls]
        lights[tls] = {
            "state": machine.state,
            "green": int(machine.green),
            "queues": dict(
                zip(env.topology.lights[tls].incoming_lanes, np.nan_to_num(m.halting[view.in_idx]).tolist())
            ),
            "action": actions.get(tls),
        }
    totals = episode_metrics(env.sim.api)
    return {
        "kind": "frame",
        "seq": seq,
        "episode": episode,
        "time": env.sim.time,
        "lights": lights,
        "in_network": totals["in_network"],
        "arrived": totals["arrived"],
        "mean_delay": totals["mean_delay"] if totals["mean_delay"] == totals["mean_delay"] else None,
        "waiting": float(np.nansum(m.halting)),
        "services": services,
    }


def blank_cluster_block(reading: dict[str, Any], layout: dict[str, Any]) -> dict[str, Any]:
    """The reading with zeros where the peers' statuses go (the light fills them from the cluster topic)."""
    return fill_cluster_block(reading, layout, {peer: [0.0] * layout["width"] for peer in layout["peers"]})
