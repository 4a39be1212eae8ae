"""Regularflow's traffic-light agent, on flowlights: ``newAgent``, ``startDemo``, ``startAgent``.

A Regularflow script is one light in its own process. It reads its readings from partition ``id`` of the
manager topic (``flowlights regularflow`` is the manager: the SUMO simulation), publishes its state and
its decision on partition ``id`` of the cluster topic, and reads its peers' states there. An influencer
decides with its policy (``startAgent``: learning online; ``startDemo``: greedy); a follower asks for the
green complementary to its influencer's decision. The simulation applies every decision through the
signal controller, so no script can make an unsafe switch.
"""

from __future__ import annotations

import os
import sys
import time
import uuid
import warnings
from pathlib import Path
from typing import Any, Optional

from flowlights.deploy.bus import KafkaBus, MissingTopic, partition_address
from flowlights.errors import ConfigError
from flowlights.regularflow.messages import ROLES, checked, complementary_green
from flowlights.regularflow.policy import InfluencerPolicy

KEEP = 64  # decisions remembered, to answer a reading sent again with the same action
SAVE_EVERY = 200  # a learning influencer saves its weights this often (a restarted script _restore()s them)


class Agent:
    """One traffic light of a cluster (Regularflow's ``newAgent``). Use ``_setAgents``, ``_setForbidenAgents``,
    ``_restore``, then ``startDemo`` / ``startAgent``, then ``_save``."""

    def __init__(
        self,
        id: int,
        consumerConfig: dict[str, Any],
        producerConfig: dict[str, Any],
        cluster: str,
        manager: str,
        display: str,
        role: str,
        seed: Optional[int] = None,
        lr: float = 1e-3,
    ) -> None:
        if isinstance(id, bool) or not isinstance(id, int) or id < 0:
            raise ConfigError(f"agent id {id!r} must be an integer >= 0 (its partition of {manager!r}).")
        if role not in ROLES:
            raise ConfigError(f"agent {id}: role {role!r} must be 'influencer' or 'follower'.")
        for name, config in (("consumerConfig", consumerConfig), ("producerConfig", producerConfig)):
            if not isinstance(config, dict) or not config.get("bootstrap.servers"):
                raise ConfigError(
                    f"agent {id}: {name} must be a dict with 'bootstrap.servers', e.g. "
                    "{'bootstrap.servers': 'localhost:9092'}."
                )
        self.id, self.role = id, role
        self.consumer_config, self.producer_config = dict(consumerConfig), dict(producerConfig)
        self.cluster, self.manager, self.display = cluster, manager, display
        self.agents: list[int] = []
        self.followers: list[int] = []
        self.policy = InfluencerPolicy(f"{cluster}/{id}", learn=False, seed=id if seed is None else seed, lr=lr)
        self.save_path: Optional[Path] = None
        self.instance = f"{os.getpid()}-{uuid.uuid4().hex[:6]}"
        self.stats = {"decisions": 0, "answered_again": 0, "dropped": 0, "saves": 0}

    # -- Regularflow's set-up calls ---------------------------------------------------------------------
    def _setAgents(self, ids: list[int]) -> None:
        """The other lights of the cluster (their states are part of what this light sees)."""
        ids = self._ids(ids, "_setAgents")
        if self.id in ids:
            raise ConfigError(f"agent {self.id}: _setAgents({ids}) names the agent itself; give the other lights.")
        self.agents = ids

    def _setForbidenAgents(self, ids: list[int]) -> None:
        """An influencer's followers: they take the green complementary to its own."""
        ids = self._ids(ids, "_setForbidenAgents")
        if self.role != "influencer":
            raise ConfigError(f"agent {self.id} is a follower; only an influencer has followers (_setForbidenAgents).")
        unknown = [i for i in ids if i not in self.agents]
        if unknown:
            raise ConfigError(
                f"agent {self.id}: follower(s) {unknown} are not among its agents {self.agents}; call "
                f"_setAgents({sorted(set(self.agents) | set(unknown))}) first."
            )
        self.followers = ids

    def _restore(self, path: str | Path) -> None:
        """Start from the weights a ``_save`` wrote at ``path`` (and save there later)."""
        if self.role == "follower":
            warnings.warn(f"agent {self.id} is a follower: it has no weights; _restore({str(path)!r}) does nothing.")
            return
        self.policy.restore(Path(path))
        self.save_path = Path(path)

    def _save(self, path: Optional[str | Path] = None) -> Optional[Path]:
        """Write the influencer's weights (plain tensors and JSON, no pickle) to ``path``: default the
        ``_restore``d folder, else ``saves/save_influencer<id>`` (Regularflow's naming)."""
        if self.role == "follower":
            warnings.warn(f"agent {self.id} is a follower: it has no weights to save.")
            return None
        target = Path(path) if path is not None else self.save_path or Path("saves") / f"save_influencer{self.id}"
        self.policy.save(target)
        self.save_path = target
        self.stats["saves"] += 1
        return target

    @staticmethod
    def _ids(ids: Any, call: str) -> list[int]:
        if not isinstance(ids, (list, tuple)) or not all(isinstance(i, int) and not isinstance(i, bool) for i in ids):
            raise ConfigError(f"{call}({ids!r}) takes a list of agent ids (integers), e.g. [1].")
        return list(ids)

    # -- the loop ---------------------------------------------------------------------------------------
    def run(self, learn: bool, idle_timeout: Optional[float] = None) -> dict[str, int]:
        """Serve readings until the simulation says the run is over (or ``idle_timeout`` seconds without one)."""
        self.policy.learn = learn
        servers = self.consumer_config["bootstrap.servers"]
        bus = KafkaBus(f"kafka://{servers}", producer_config=self.producer_config, consumer_config=self.consumer_config)
        consumer = self._subscribe(bus, [partition_address(self.manager, self.id), self.cluster], idle_timeout)
        own = partition_address(self.cluster, self.id)
        state = {"pending": {}, "peers": {}, "answers": {}}
        bus.publish(own, {"kind": "hello", "id": self.id, "role": self.role, "instance": self.instance})
        last_reading = time.monotonic()
        print(f"agent {self.id} ({self.role}) of {self.cluster}: waiting for readings on {self.manager}", flush=True)
        try:
            while True:
                ended = False
                for topic, raw in consumer.poll(0.2):
                    message = checked(raw)
                    if message is None:
                        self.stats["dropped"] += 1
                    elif topic == self.manager:
                        last_reading = time.monotonic()
                        ended = ended or self._on_reading(message, state, bus, own)
                    elif message["id"] != self.id and message["kind"] in ("state", "decision"):
                        state["peers"].setdefault(message["seq"], {}).setdefault(message["id"], {}).update(message)
                if ended:
                    break
                self._decide_ready(state, bus, own)
                if idle_timeout is not None and time.monotonic() - last_reading > idle_timeout:
                    print(f"agent {self.id}: no reading for {idle_timeout:g} s; stopping", file=sys.stderr, flush=True)
                    break
        finally:
            consumer.close()
            bus.close()
        return dict(self.stats)

    def _subscribe(self, bus: KafkaBus, addresses: list[str], timeout: Optional[float]) -> Any:
        """A consumer of ``addresses``, once their topics exist (the managers or the user's snippet create them)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        told = False
        while True:
            try:
                return bus.subscribe(addresses)
            except MissingTopic:
                if deadline is not None and time.monotonic() > deadline:
                    raise
                if not told:
                    print(f"agent {self.id}: waiting for the topics {self.manager} and {self.cluster}", flush=True)
                    told = True
                time.sleep(1.0)

    def _on_reading(self, message: dict[str, Any], state: dict[str, Any], bus: KafkaBus, own: str) -> bool:
        if message["id"] != self.id:
            self.stats["dropped"] += 1
            return False
        if message["kind"] == "end":
            return True
        if message["kind"] != "reading":
            self.stats["dropped"] += 1
            return False
        seq = message["seq"]
        for peer, known in (message.get("peers") or {}).items():  # what the simulation holds (a restart missed it)
            state["peers"].setdefault(seq, {}).setdefault(int(peer), {}).update(known)
        if seq in state["answers"]:
            self._publish_decision(bus, own, seq, state["answers"][seq])
            self.stats["answered_again"] += 1
            return False
        if seq not in state["pending"]:
            state["pending"][seq] = message
            bus.publish(
                own,
                {
                    "kind": "state",
                    "id": self.id,
                    "seq": seq,
                    "role": self.role,
                    "followers": self.followers,
                    "cars": message["cars"],
                    "pedestrians": message.get("pedestrians", []),
                    "green": message.get("green", 0),
                    "greens": message["greens"],
                },
            )
        return False

    def _decide_ready(self, state: dict[str, Any], bus: KafkaBus, own: str) -> None:
        for seq in sorted(state["pending"]):
            reading, peers = state["pending"][seq], state["peers"].get(seq, {})
            action = self._follow(reading, peers) if self.role == "follower" else self._lead(reading, peers)
            if action is None:
                continue  # waiting for the peers' states or the influencer's decision of this seq
            self._publish_decision(bus, own, seq, action)
            state["answers"][seq] = action
            del state["pending"][seq]
            self.stats["decisions"] += 1
            if self.policy.learn and self.role == "influencer" and self.stats["decisions"] % SAVE_EVERY == 0:
                self._save()
        for old in sorted(state["answers"])[:-KEEP]:
            del state["answers"][old]
        newest = max(state["answers"], default=-1)
        for old in [s for s in state["peers"] if s <= newest - KEEP]:
            del state["peers"][old]
        for old in [s for s in state["pending"] if s < newest]:  # overtaken: the simulation moved on
            del state["pending"][old]

    def _lead(self, reading: dict[str, Any], peers: dict[int, dict[str, Any]]) -> Optional[int]:
        if any("cars" not in peers.get(p, {}) for p in self.agents):
            return None
        return self.policy.decide(reading, {p: peers[p] for p in self.agents})

    def _follow(self, reading: dict[str, Any], peers: dict[int, dict[str, Any]]) -> Optional[int]:
        leaders = [p for p in self.agents if self.id in peers.get(p, {}).get("followers", [])]
        decided = [p for p in leaders if "action" in peers[p]]
        if decided:
            table = (reading.get("complement") or {}).get(str(decided[0]))
            if table is None:
                raise ConfigError(
                    f"agent {self.id}: the simulation sent no complement table for its influencer {decided[0]}; "
                    "are both lights in the same cluster of flowlights regularflow (--lights)?"
                )
            return complementary_green(table, int(peers[decided[0]]["action"]))
        if not leaders and all("role" in peers.get(p, {}) for p in self.agents):
            if not getattr(self, "_warned", False):
                warnings.warn(
                    f"agent {self.id} is a follower but no influencer among {self.agents} names it; it keeps its green."
                )
                self._warned = True
            return int(reading.get("green", 0))
        return None

    def _publish_decision(self, bus: KafkaBus, own: str, seq: int, action: int) -> None:
        bus.publish(
            own, {"kind": "decision", "id": self.id, "seq": seq, "action": int(action), "instance": self.instance}
        )


def newAgent(
    id: int,
    consumerConfig: dict[str, Any],
    producerConfig: dict[str, Any],
    cluster: str,
    manager: str,
    display: str,
    role: str,
    **options: Any,
) -> Agent:
    """Regularflow's ``newAgent``: a light of ``cluster`` reading partition ``id`` of ``manager``.
    ``options``: ``seed``, ``lr`` (the influencer's learning rate)."""
    return Agent(id, consumerConfig, producerConfig, cluster, manager, display, role, **options)


def startDemo(agent: Agent, idle_timeout: Optional[float] = None) -> dict[str, int]:
    """Run the light without training (greedy from its weights) until the simulation ends the run."""
    return agent.run(learn=False, idle_timeout=idle_timeout)


def startAgent(agent: Agent, idle_timeout: Optional[float] = None) -> dict[str, int]:
    """Run the light in training mode (the influencer learns online) until the simulation ends the run."""
    return agent.run(learn=True, idle_timeout=idle_timeout)
