"""Lights as Ray actors under one supervisor actor per cluster (the "tree of actors" pattern).

A LightActor runs one LightService in its own process. Its Supervisor starts it, pings it and, when
its process is gone, starts a new one from the same spec (the decider restores itself: a trained
policy reloads its module) — the other lights keep running meanwhile.
"""

from __future__ import annotations

import dataclasses
import os
import signal
import threading
import time
from typing import Any

import ray

from flowlights.deploy.light_service import LightService, LightSpec

PING_EVERY = 0.2  # seconds between a supervisor's health checks
PING_TIMEOUT = 5.0


@ray.remote
class LightActor:
    def __init__(self, spec: LightSpec) -> None:
        self.service = LightService(spec)

    def ready(self) -> int:
        """Subscribe to the light's topics; the process id (for fault injection and restarts)."""
        self.service.start()
        return os.getpid()

    def run(self) -> None:
        self.service.run()

    def ping(self) -> dict[str, Any]:
        s = self.service.stats
        return {
            "decisions": s.decisions,
            "answered_again": s.answered_again,
            "published": s.published,
            "malformed": s.malformed,
            "unknown": s.unknown,
        }

    def stop(self) -> None:
        self.service.stop()


def start_light(spec: LightSpec) -> tuple[Any, int]:
    actor = LightActor.options(num_cpus=0, max_restarts=0, max_concurrency=3).remote(spec)
    pid = ray.get(actor.ready.remote(), timeout=120)
    actor.run.remote()
    return actor, pid


@ray.remote
class Supervisor:
    """Starts, watches and restarts the light services of one cluster."""

    def __init__(self, cluster: str, specs: list[LightSpec]) -> None:
        self.cluster = cluster
        self.specs = {s.light: s for s in specs}
        self.actors: dict[str, Any] = {}
        self.info: dict[str, dict[str, Any]] = {}
        self.lock = threading.Lock()
        for light, spec in self.specs.items():
            actor, pid = start_light(spec)
            self.actors[light] = actor
            self.info[light] = {
                "state": "up",
                "pid": pid,
                "restarts": 0,
                "restart_seconds": [],
                "killed_at": None,
                "stats": {},
                "before": {},  # counters of the light's earlier (killed) processes: a restart loses none
            }
        self.watching = True
        self.thread = threading.Thread(target=self._watch, daemon=True)
        self.thread.start()

    def _watch(self) -> None:
        while self.watching:
            for light in list(self.actors):
                try:
                    stats = ray.get(self.actors[light].ping.remote(), timeout=PING_TIMEOUT)
                    with self.lock:
                        self.info[light]["stats"] = stats
                except (ray.exceptions.RayActorError, ray.exceptions.GetTimeoutError):
                    if self.watching:
                        self._restart(light)
            time.sleep(PING_EVERY)

    def _restart(self, light: str) -> None:
        with self.lock:
            info = self.info[light]
            info["state"] = "restarting"
        began = info["killed_at"] or time.time()
        with self.lock:  # what the dead process had counted at its last ping stays counted
            for key, value in info["stats"].items():
                info["before"][key] = info["before"].get(key, 0) + value
            info["stats"] = {}
        try:
            ray.kill(self.actors[light], no_restart=True)
        except Exception:  # already gone
            pass
        actor, pid = start_light(dataclasses.replace(self.specs[light], resume=True))
        with self.lock:
            self.actors[light] = actor
            info.update(state="up", pid=pid, restarts=info["restarts"] + 1, killed_at=None)
            info["restart_seconds"].append(time.time() - began)

    def status(self, refresh: bool = False) -> dict[str, dict[str, Any]]:
        """Each light's state, pid, restarts and counters (``refresh``: ask every live light for its counters now)."""
        if refresh:
            for light, actor in list(self.actors.items()):
                try:
                    stats = ray.get(actor.ping.remote(), timeout=PING_TIMEOUT)
                except (ray.exceptions.RayActorError, ray.exceptions.GetTimeoutError):
                    continue
                with self.lock:
                    self.info[light]["stats"] = stats
        with self.lock:
            return {
                light: {
                    **{k: v for k, v in info.items() if k != "before"},
                    "restart_seconds": list(info["restart_seconds"]),
                    "stats": {
                        k: info["before"].get(k, 0) + info["stats"].get(k, 0)
                        for k in set(info["before"]) | set(info["stats"])
                    },
                }
                for light, info in self.info.items()
            }

    def kill(self, light: str) -> int:
        """Fault injection: SIGKILL the light's process (as a crash would); the watcher restarts it."""
        with self.lock:
            pid = self.info[light]["pid"]
            self.info[light]["killed_at"] = time.time()
        os.kill(pid, signal.SIGKILL)
        return pid

    def stop(self) -> dict[str, str]:
        """Stop every light; the lights whose final save failed, with the error (never swallowed)."""
        self.watching = False
        self.thread.join(timeout=5)
        failed = {}
        for light, actor in self.actors.items():
            try:
                ray.get(actor.stop.remote(), timeout=60)  # a learning light saves its module meanwhile
            except Exception as exc:
                failed[light] = f"{type(exc).__name__}: {str(exc).strip().splitlines()[-1][:300]}"
            ray.kill(actor, no_restart=True)
        return failed
