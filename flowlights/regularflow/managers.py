"""The simulation side of a Regularflow deployment (``flowlights regularflow``): SUMO as the managers.

At each decision it publishes every light's reading on its partition of its cluster's manager topic —
cars halting per approach, pedestrians waiting per corner, its green — and waits (lockstep) for every
light's decision on the cluster topic. A light that has not answered within ``resend_after`` seconds is
sent its reading again, with what its peers already said for that decision (a script restarted
mid-run missed it); before the first decision it waits ``wait_for_lights`` seconds for scripts that
start late. Decisions go through the signal controller (yellow, all-red, min green). Malformed,
unknown and out-of-range messages are dropped and counted; a light that says hello again is counted
as restarted.
"""

from __future__ import annotations

import contextlib
import csv
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

from flowlights.baselines.base import Controller, signal_reading
from flowlights.deploy.bus import KafkaBus, partition_address
from flowlights.deploy.dashboard import serve_dashboard
from flowlights.deploy.deployed import network_frame
from flowlights.envs.traffic_light_env import TrafficLightEnv
from flowlights.errors import ConfigError
from flowlights.evaluation.evaluate import evaluate, write_report
from flowlights.networks.topology import green_sectors
from flowlights.regularflow.cameras import Cameras
from flowlights.regularflow.messages import checked
from flowlights.signals.coupling import complement_table


@dataclass
class Cluster:
    """A Regularflow cluster: its topics and its lights (agent id i is ``lights[i]``, a SUMO light id)."""

    name: str
    manager: str
    lights: list[str]


def parse_clusters(
    clusters: list[str], managers: list[str], lights: list[Optional[str]], available: Optional[list[str]] = None
) -> list[Cluster]:
    """Pair the repeated ``--cluster``/``--manager``/``--lights`` options by position (``lights``: comma-separated
    SUMO ids, None: every light of the scenario; ``available``: the scenario's lights, to name them in errors)."""
    if not (len(clusters) == len(managers) == len(lights)):
        raise ConfigError(
            f"give one --manager and one --lights per --cluster (got {len(clusters)} cluster(s), "
            f"{len(managers)} manager(s), {len(lights)} --lights)."
        )
    out, seen = [], set()
    for name, manager, ids in zip(clusters, managers, lights):
        if ids is None and len(clusters) == 1:
            out.append(Cluster(name, manager, []))  # filled with every light once the scenario is loaded
            continue
        members = [i.strip() for i in (ids or "").split(",") if i.strip()]
        if not members:
            raise ConfigError(f"--lights {ids!r} for {name!r} names no light; e.g. --lights A0,B0.")
        for tls in members:
            if available is not None and tls not in available:
                raise ConfigError(
                    f"--lights: {tls!r} is not a traffic light with a choice of greens here; lights: "
                    f"{', '.join(available)}."
                )
            if tls in seen:
                raise ConfigError(f"--lights: {tls!r} is in two clusters; each light belongs to one.")
            seen.add(tls)
        out.append(Cluster(name, manager, members))
    if len({c.name for c in out}) < len(out) or len({c.manager for c in out}) < len(out):
        raise ConfigError("each cluster needs its own --cluster and --manager topic names.")
    return out


class RegularflowManagers(Controller):
    """A Controller whose decisions come from Regularflow light scripts over Kafka."""

    name = "regularflow"

    def __init__(
        self,
        clusters: list[Cluster],
        bus: str,
        display: str = "display",
        resend_after: float = 5.0,
        give_up_after: float = 300.0,
        wait_for_lights: float = 600.0,
    ) -> None:
        if not bus.startswith("kafka://"):
            raise ConfigError(f"--bus {bus!r}: Regularflow's scripts talk Kafka; give kafka://HOST:PORT.")
        self.clusters, self.bus_url, self.display = clusters, bus, display
        self.resend_after, self.give_up_after, self.wait_for_lights = resend_after, give_up_after, wait_for_lights
        named = [t for c in clusters for t in c.lights]
        self.env_overrides = {"tls_ids": named or None, "measures": ["halting"]}
        self.bus: Optional[KafkaBus] = None
        self.env: Optional[TrafficLightEnv] = None
        self.consumer: Any = None
        self.seq = self.episode = 0
        self.first_decision_done = False
        self.counts: Counter = Counter()
        self.instances: dict[tuple[str, int], list[str]] = {}
        self.roles: dict[tuple[str, int], str] = {}
        self.decisions: list[dict[str, Any]] = []
        self.started: Optional[float] = None

    # -- set-up -------------------------------------------------------------------------------------
    def _connect(self, env: TrafficLightEnv) -> None:
        for c in self.clusters:
            c.lights = c.lights or list(env.controlled)  # no --lights: every light, in the scenario's order
        missing = [t for c in self.clusters for t in c.lights if t not in env.controlled]
        if missing:
            raise ConfigError(
                f"--lights: {', '.join(missing)} not controllable here; lights: {', '.join(env.controlled)}."
            )
        self.bus = KafkaBus(self.bus_url)
        topics = {self.display: 1}
        for c in self.clusters:
            topics.update({c.manager: len(c.lights), c.name: len(c.lights)})
        self.bus.declare(topics)
        self.consumer = self.bus.subscribe([c.name for c in self.clusters])
        self.cameras = {t: Cameras(env, t) for c in self.clusters for t in c.lights}
        self.complements = {c.name: self._complements(env, c) for c in self.clusters}

    @staticmethod
    def _complements(env: TrafficLightEnv, cluster: Cluster) -> dict[int, dict[str, list[int]]]:
        """Per light id, per peer id: this light's green for each of the peer's greens (it serves what the
        peer stops)."""
        greens = {t: env.controller.machines[t].greens for t in cluster.lights}
        sectors = {t: green_sectors(env.topology, t, greens[t]) for t in cluster.lights}
        return {
            i: {
                str(j): complement_table(sectors[lead], sectors[tls]) for j, lead in enumerate(cluster.lights) if j != i
            }
            for i, tls in enumerate(cluster.lights)
        }

    # -- Controller -----------------------------------------------------------------------------------
    def reset(self, env: TrafficLightEnv) -> None:
        self.env = env
        if self.bus is None:
            self._connect(env)
        self.episode += 1

    def reading(self, env: TrafficLightEnv, cluster: Cluster, i: int, seq: int) -> dict[str, Any]:
        tls = cluster.lights[i]
        return {
            "kind": "reading",
            "id": i,
            "light": tls,
            "seq": seq,
            "episode": self.episode,
            "time": env.sim.time,
            **self.cameras[tls].read(env),
            **signal_reading(env, tls),
            "greens": len(env.controller.machines[tls].greens),
            "complement": self.complements[cluster.name][i],
        }

    def act(self, env: TrafficLightEnv, observations: dict[str, Any]) -> dict[str, int]:
        if self.started is None:
            self.started = time.monotonic()
        self.seq += 1
        messages = {
            (c.name, i): (partition_address(c.manager, i), self.reading(env, c, i, self.seq))
            for c in self.clusters
            for i in range(len(c.lights))
        }
        self._publish(list(messages.values()))
        answers = self._collect(messages)
        actions = {}
        for (cluster, i), action in answers.items():
            tls = messages[(cluster, i)][1]["light"]
            actions[tls] = action
            self.decisions.append(
                {"seq": self.seq, "time": env.sim.time, "cluster": cluster, "id": i, "light": tls, "action": action}
            )
        services = {messages[key][1]["light"]: "up" for key in messages}
        frame = network_frame(env, self.seq, self.episode, actions, services)
        self._publish([(partition_address(self.display, 0), frame)])
        return actions

    def _publish(self, items: list[tuple[str, dict[str, Any]]]) -> None:
        assert self.bus is not None
        self.bus.publish_many(items)
        self.counts["messages"] += len(items)

    def _collect(self, messages: dict[tuple[str, int], tuple[str, dict[str, Any]]]) -> dict[tuple[str, int], int]:
        """Every light's decision for this seq: resend to the silent ones, give up (named error) in the end."""
        actions: dict[tuple[str, int], int] = {}
        said: dict[tuple[str, int], dict[str, Any]] = {}  # states and decisions of this seq, per light
        begun = last_send = time.monotonic()
        patience = self.give_up_after if self.first_decision_done else self.wait_for_lights
        while len(actions) < len(messages):
            now = time.monotonic()
            if now - last_send >= self.resend_after:
                missing = [k for k in messages if k not in actions]
                if now - begun > patience:
                    names = ", ".join(f"{c}/{i} ({messages[(c, i)][1]['light']})" for c, i in missing)
                    raise ConfigError(
                        f"regularflow: light(s) {names} "
                        f"gave no decision for {patience:g} s; are their scripts running against {self.bus_url}?"
                    )
                if not self.first_decision_done:
                    print(
                        f"waiting for the light scripts of {', '.join(f'{c}/{i}' for c, i in missing)}",
                        file=sys.stderr,
                        flush=True,
                    )
                resend = []
                for key in missing:
                    peers = {str(j): said[(key[0], j)] for (c, j) in said if c == key[0] and j != key[1]}
                    address, message = messages[key]
                    resend.append((address, {**message, "resend": True, "peers": peers}))
                self._publish(resend)
                self.counts["resent"] += len(missing)
                last_send = now
            for topic, raw in self.consumer.poll(0.5):
                self.counts["received"] += 1
                self._take(topic, checked(raw), messages, actions, said)
        self.first_decision_done = True
        return actions

    def _take(
        self,
        topic: str,
        message: Optional[dict[str, Any]],
        messages: dict[tuple[str, int], Any],
        actions: dict[tuple[str, int], int],
        said: dict[tuple[str, int], dict[str, Any]],
    ) -> None:
        """File one message from a cluster topic: a decision for this seq is applied once; anything malformed,
        from an unknown light, late, out of range or repeated is counted and dropped."""
        key = (topic, message["id"]) if message is not None else None
        if key is None or key not in messages:
            self.counts["dropped"] += 1
            return
        if message.get("instance") is not None:  # a light whose script started again says so with a new instance
            seen = self.instances.setdefault(key, [])
            if message["instance"] not in seen:
                seen.append(message["instance"])
        if message["kind"] == "hello":
            self.roles[key] = message["role"]
            return
        if message["kind"] not in ("state", "decision"):
            self.counts["dropped"] += 1
            return
        if message["seq"] != self.seq:
            self.counts["late_ignored"] += 1
            return
        if message["kind"] == "state":
            said.setdefault(key, {}).update({k: v for k, v in message.items() if k not in ("kind", "id", "seq")})
            return
        if message["action"] >= messages[key][1]["greens"]:
            self.counts["invalid"] += 1
            return
        if key in actions:
            self.counts["duplicates_ignored"] += 1
            return
        actions[key] = int(message["action"])
        said.setdefault(key, {})["action"] = actions[key]

    def finish(self) -> None:
        """Tell every script the run is over, and close the bus."""
        if self.bus is None:
            return
        self._publish(
            [
                (partition_address(c.manager, i), {"kind": "end", "id": i})
                for c in self.clusters
                for i in range(len(c.lights))
            ]
        )
        self.consumer.close()
        self.bus.close()
        self.bus = None

    def summary(self) -> dict[str, Any]:
        """The ``regularflow`` section of metrics.json."""
        wall = time.monotonic() - self.started if self.started is not None else 0.0
        per_light = Counter((d["cluster"], d["id"]) for d in self.decisions)
        return {
            "bus": self.bus_url,
            "clusters": [{"cluster": c.name, "manager": c.manager, "lights": c.lights} for c in self.clusters],
            "display": self.display,
            "decisions_applied": len(self.decisions),
            **{k: self.counts[k] for k in ("resent", "dropped", "invalid", "late_ignored", "duplicates_ignored")},
            "messages": self.counts["messages"] + self.counts["received"],
            "wall_seconds": wall,
            "lights": {
                f"{c.name}/{i}": {
                    "light": tls,
                    "role": self.roles.get((c.name, i)),
                    "decisions": per_light[(c.name, i)],
                    "restarts": max(len(self.instances.get((c.name, i), [])) - 1, 0),
                }
                for c in self.clusters
                for i, tls in enumerate(c.lights)
            },
            "complements": getattr(self, "complements", {}),
        }


def run_regularflow(
    scenario: str,
    clusters: list[Cluster],
    bus: str,
    display: str = "display",
    out: Optional[Path] = None,
    episodes: int = 1,
    seed: int = 0,
    progress: bool = True,
    dashboard: Optional[int] = None,
    dashboard_host: str = "127.0.0.1",
    wait_for_lights: float = 600.0,
    **env_kwargs: Any,
) -> dict[str, Any]:
    """Run ``scenario`` with its lights decided by Regularflow scripts over Kafka; the report of
    ``flowlights evaluate`` plus a ``regularflow`` section, written to ``out`` with ``decisions.csv``."""
    managers = RegularflowManagers(clusters, bus, display, wait_for_lights=wait_for_lights)
    with contextlib.ExitStack() as stack:
        if dashboard is not None:
            stack.enter_context(serve_dashboard(managers, dashboard, topic=display, host=dashboard_host))
        try:
            report = evaluate(
                scenario, managers, episodes=episodes, seed=seed, out=None, progress=progress, **env_kwargs
            )
        finally:
            managers.finish()
    report["regularflow"] = managers.summary()
    if out is not None:
        write_report(report, Path(out))
        with open(Path(out) / "decisions.csv", "w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=["seq", "time", "cluster", "id", "light", "action"])
            writer.writeheader()
            writer.writerows(managers.decisions)
    return report
