"""One traffic light as a service (Regularflow's agent): it reads its manager's messages (what its
sensors see), exchanges its status with its cluster peers, decides with its own LightDecider and
publishes its decision. Runs on any bus; ``flowlights.deploy.actors`` runs it as a Ray actor.

Topics (Regularflow's scheme): partition i of ``manager<k>`` carries the readings of the cluster's i-th
light (``kind: reading``; address ``manager<k>:<i>``, a stream of its own on Ray and Redis);
``cluster<k>`` carries the lights' statuses and decisions (``kind: status`` / ``decision``); the
simulation side publishes what happens on ``display``. Every message names its light and a
sequence number ``seq`` (one per decision of the whole deployment): a reading is answered once; a
reading sent again (``resend``) for a decision already made is answered with the same action.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from flowlights.baselines.base import LightDecider
from flowlights.deploy.bus import Bus, Message, open_bus, split_address

KEEP_ANSWERS = 64  # decisions remembered to answer a resend with the same action
SAVE_EVERY = 200  # a learning light saves its module this often, so that a restart resumes from it


@dataclass
class LightSpec:
    """Everything a light's service needs, picklable: who it is, where it talks, how it decides."""

    light: str
    manager_topic: str
    cluster_topic: str
    peers: list[str]  # the other lights of its cluster (their statuses fill its observation's cluster block)
    decider: LightDecider
    bus_url: str
    save_dir: Optional[str] = None  # on stop, a learning decider saves its module to <save_dir>/<light>
    bus_key: Optional[str] = None  # sign what it sends, drop what is not signed with it
    resume: bool = False  # a restarted service: a learning decider starts from its latest save in save_dir


@dataclass
class ServiceStats:
    decisions: int = 0
    answered_again: int = 0  # resends answered with the remembered action
    malformed: int = 0  # messages dropped because they were not well formed
    unknown: int = 0  # well formed, but not a reading for this light where only those belong (its manager topic)
    published: int = 0
    started: float = field(default_factory=time.time)


def well_formed(message: object) -> bool:
    """A deployment message the services and the simulation side can act on: a dict with a known ``kind``,
    a light id and an integer ``seq``, plus what its kind carries. Anything else is dropped and counted."""
    if not isinstance(message, dict) or not isinstance(message.get("light"), str):
        return False
    seq = message.get("seq")
    if not isinstance(seq, int) or isinstance(seq, bool):
        return False
    kind = message.get("kind")
    if kind == "reading":
        return isinstance(message.get("reading"), dict) and message.get("episode") is not None
    if kind == "status":
        return isinstance(message.get("status"), list)
    if kind == "decision":
        action = message.get("action")
        return isinstance(action, int) and not isinstance(action, bool) and action >= 0
    return False


def fill_cluster_block(
    reading: dict[str, Any], block: dict[str, Any], statuses: dict[str, list[float]]
) -> dict[str, Any]:
    """The reading with its observation's cluster block filled from the peers' statuses, in ``block["peers"]`` order."""
    observation = reading["observation"]
    vector = list(observation["observation"] if isinstance(observation, dict) else observation)
    at, width = block["at"], block["width"]
    for i, peer in enumerate(block["peers"]):
        vector[at + i * width : at + (i + 1) * width] = statuses[peer]
    filled = {**observation, "observation": vector} if isinstance(observation, dict) else vector
    return {**reading, "observation": filled}


class LightService:
    """The loop of one light: ``start()`` subscribes (before the simulation's first reading), ``run()``
    serves until ``stop()``."""

    def __init__(self, spec: LightSpec) -> None:
        self.spec = spec
        self.stats = ServiceStats()
        self.bus: Optional[Bus] = None
        self.consumer: Any = None
        self.pending: dict[int, Message] = {}
        self.statuses: dict[int, dict[str, list[float]]] = {}
        self.last_status: dict[str, list[float]] = {}
        self.answers: dict[int, int] = {}
        self.episode: Any = None
        self.stopping = False
        self.finished = threading.Event()

    def start(self) -> None:
        saved = Path(self.spec.save_dir or ".") / self.spec.light
        if self.spec.resume and self.spec.save_dir and hasattr(self.spec.decider, "resume_from") and saved.is_dir():
            self.spec.decider.resume_from(saved)  # what it learned before it died is not lost
        self.bus = open_bus(self.spec.bus_url, self.spec.bus_key)
        peers = [self.spec.cluster_topic] if self.spec.peers else []  # a light without peers needs only its readings
        self.consumer = self.bus.subscribe([self.spec.manager_topic, *peers])

    def stop(self, timeout: float = 30.0) -> None:
        """End the loop (and wait for it); a decider that learns saves its module to ``save_dir``."""
        self.stopping = True
        self.finished.wait(timeout)
        if self.spec.save_dir and hasattr(self.spec.decider, "save"):
            self.spec.decider.save(self.spec.save_dir)

    def run(self, poll_seconds: float = 0.2) -> None:
        assert self.consumer is not None, "start() first"
        try:
            while not self.stopping:
                for topic, message in self.consumer.poll(poll_seconds):
                    self.handle(message, topic)
                self.decide_ready()
        finally:
            self.consumer.close()
            self.bus.close()
            self.finished.set()

    def _publish(self, message: Message) -> None:
        self.bus.publish(self.spec.cluster_topic, message)
        self.stats.published += 1

    def handle(self, message: Message, topic: Optional[str] = None) -> None:
        """File one message; ``topic`` (where it came from): anything on the manager topic but a reading for
        this light is dropped and counted (``unknown``), as is anything malformed."""
        if not well_formed(message):
            self.stats.malformed += 1
            return
        kind, light = message.get("kind"), message.get("light")
        on_manager = topic is not None and split_address(topic)[0] == split_address(self.spec.manager_topic)[0]
        if on_manager and not (kind == "reading" and light == self.spec.light):
            self.stats.unknown += 1
            return
        if kind == "reading" and light == self.spec.light:
            seq = message["seq"]
            if seq in self.answers:  # the simulation side asks again: it missed our answer
                self._publish(
                    {
                        "kind": "decision",
                        "light": light,
                        "seq": seq,
                        "action": self.answers[seq],
                        "sent": message.get("sent"),
                    }
                )
                self.stats.answered_again += 1
                return
            self.pending[seq] = message
            if self.spec.peers and "status" in message:
                self._publish({"kind": "status", "light": light, "seq": seq, "status": message["status"]})
        elif kind == "status" and light in self.spec.peers:
            self.statuses.setdefault(message["seq"], {})[light] = message["status"]
            self.last_status[light] = message["status"]

    def decide_ready(self) -> None:
        """Answer every pending reading whose peers' statuses are in (or whose patience ran out)."""
        for seq in sorted(self.pending):
            message = self.pending[seq]
            block = message.get("cluster")
            statuses = self.statuses.get(seq, {})
            if block:
                missing = [p for p in block["peers"] if p not in statuses]
                patience = message.get("patience")
                if missing and (patience is None or time.time() < message["sent"] + patience):
                    continue  # lockstep waits for every peer (resends bring the late ones)
                statuses = {p: statuses.get(p, self.last_status.get(p, [0.0] * block["width"])) for p in block["peers"]}
            if message.get("episode") != self.episode:
                self.spec.decider.reset()
                self.episode = message.get("episode")
            reading = fill_cluster_block(message["reading"], block, statuses) if block else message["reading"]
            action = int(self.spec.decider(reading))
            self._publish(
                {
                    "kind": "decision",
                    "light": self.spec.light,
                    "seq": seq,
                    "action": action,
                    "sent": message.get("sent"),
                }
            )
            self.stats.decisions += 1
            if self.spec.save_dir and hasattr(self.spec.decider, "save") and self.stats.decisions % SAVE_EVERY == 0:
                self.spec.decider.save(self.spec.save_dir)  # a failure raises: the supervisor restarts the light
            self.answers[seq] = action
            del self.pending[seq]
        if len(self.answers) > KEEP_ANSWERS:
            for old in sorted(self.answers)[:-KEEP_ANSWERS]:
                del self.answers[old]
        newest = max(self.answers, default=-1)
        for old in [s for s in self.statuses if s <= newest - KEEP_ANSWERS]:
            del self.statuses[old]
        for old in [s for s in self.pending if s < newest]:  # overtaken (realtime): the simulation moved on
            del self.pending[old]
