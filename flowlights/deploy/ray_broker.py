"""The Ray bus's broker: an async actor holding each topic's messages (Ray's "message actor" pattern).

Consumers hold offsets and ask for what came after them, waiting (without blocking other callers)
until something arrives or the timeout passes. Each topic keeps its newest ``RETAIN`` messages.
"""

from __future__ import annotations

import asyncio
from typing import Any

import ray

RETAIN = 50_000


@ray.remote
class RayBroker:
    def __init__(self) -> None:
        self.topics: dict[str, list[str]] = {}
        self.first: dict[str, int] = {}  # offset of each topic's oldest retained message
        self.changed: Any = None

    def _condition(self) -> asyncio.Condition:
        if self.changed is None:
            self.changed = asyncio.Condition()
        return self.changed

    def _end(self, topic: str) -> int:
        return self.first.get(topic, 0) + len(self.topics.get(topic, ()))

    async def publish(self, batch: list[tuple[str, str]]) -> None:
        for topic, payload in batch:  # no await before the appends: batches land whole, in arrival order
            log = self.topics.setdefault(topic, [])
            log.append(payload)
            if len(log) > 2 * RETAIN:
                del log[:RETAIN]
                self.first[topic] = self.first.get(topic, 0) + RETAIN
        async with self._condition():
            self._condition().notify_all()

    async def ends(self, topics: list[str]) -> dict[str, int]:
        return {topic: self._end(topic) for topic in topics}

    def _after(self, offsets: dict[str, int]) -> tuple[list[tuple[str, str]], dict[str, int]]:
        found, moved = [], {}
        for topic, offset in offsets.items():
            start = max(offset - self.first.get(topic, 0), 0)
            log = self.topics.get(topic, [])
            found += [(topic, payload) for payload in log[start:]]
            moved[topic] = self._end(topic)
        return found, moved

    async def read(self, offsets: dict[str, int], timeout: float) -> tuple[list[tuple[str, str]], dict[str, int]]:
        found, moved = self._after(offsets)
        if found or timeout <= 0:
            return found, moved
        try:
            async with self._condition():
                await asyncio.wait_for(
                    self._condition().wait_for(lambda: any(self._end(t) > o for t, o in offsets.items())), timeout
                )
        except asyncio.TimeoutError:
            pass
        return self._after(offsets)
