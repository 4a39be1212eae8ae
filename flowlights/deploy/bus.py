"""Message buses the deployed lights talk over: one small interface, three transports.

``open_bus(url)``: ``"ray"`` (a broker actor in the running Ray cluster: no server to install),
``"redis://HOST:PORT"`` (Redis Streams, one stream per topic), ``"kafka://HOST:PORT"`` (Kafka topics
through confluent-kafka). Messages are JSON objects; a consumer sees what is published on its topics
after it subscribed, in order per topic. Every process (the simulation side, each light's service)
opens its own connection from the URL, so a bus crosses process boundaries by its URL alone.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any, Iterable

from flowlights.errors import ConfigError

Message = dict[str, Any]
BUS_SCHEMES = ("ray", "redis://HOST:PORT", "kafka://HOST:PORT")


class Consumer:
    """Reads what is published on some topics after it was created."""

    def poll(self, timeout: float) -> list[tuple[str, Message]]:  # pragma: no cover - abstract
        """(topic, message) pairs published since the last poll; waits up to ``timeout`` seconds for one."""
        raise NotImplementedError

    def close(self) -> None:
        """Release the connection."""


class Bus:
    """Publishes messages on topics and makes consumers."""

    url = ""

    def publish(self, topic: str, message: Message) -> None:
        self.publish_many([(topic, message)])

    def publish_many(self, items: Iterable[tuple[str, Message]]) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def subscribe(self, topics: list[str]) -> Consumer:  # pragma: no cover - abstract
        raise NotImplementedError

    def close(self) -> None:
        """Release the connection (the bus itself, a server or the broker actor, keeps running unless this
        client created it)."""


def encode(message: Message) -> str:
    return json.dumps(message, separators=(",", ":"))


def decode(payload: Any) -> Message:
    return json.loads(payload)


# -- Ray: a broker actor ------------------------------------------------------------------------
class RayBus(Bus):
    """Talks to the named broker actor (``flowlights.deploy.ray_broker``) of this Ray cluster."""

    def __init__(self, name: str) -> None:
        import ray

        self.url, self.name = f"ray://{name}", name
        try:
            self.broker = ray.get_actor(name)
        except ValueError:
            raise ConfigError(f"no Ray bus {name!r} in this Ray cluster; start one with start_ray_bus().") from None

    def publish_many(self, items: Iterable[tuple[str, Message]]) -> None:
        batch = [(topic, encode(m)) for topic, m in items]
        if batch:
            self.broker.publish.remote(batch)  # in order: Ray runs one caller's calls to an actor in order

    def subscribe(self, topics: list[str]) -> Consumer:
        return RayConsumer(self.broker, topics)


class RayConsumer(Consumer):
    def __init__(self, broker: Any, topics: list[str]) -> None:
        import ray

        self.broker, self.ray = broker, ray
        self.offsets = ray.get(broker.ends.remote(topics))

    def poll(self, timeout: float) -> list[tuple[str, Message]]:
        found, self.offsets = self.ray.get(self.broker.read.remote(self.offsets, timeout))
        return [(topic, decode(payload)) for topic, payload in found]


def start_ray_bus() -> RayBus:
    """A new broker actor (unique name) in the running Ray cluster, and a client of it."""
    import ray

    from flowlights.deploy.ray_broker import RayBroker

    name = f"flowlights-bus-{uuid.uuid4().hex[:8]}"
    broker = RayBroker.options(name=name, num_cpus=0, max_concurrency=1000).remote()
    ray.get(broker.ends.remote([]))  # started
    bus = RayBus(name)
    bus.owner = broker  # the creating handle keeps the broker alive (Ray collects an actor whose creator let go)
    return bus


# -- Redis Streams ------------------------------------------------------------------------------
class RedisBus(Bus):
    """One Redis stream per topic (capped at ``maxlen`` entries); consumers read with XREAD."""

    def __init__(self, url: str, maxlen: int = 100_000) -> None:
        import redis

        self.url, self.maxlen = url, maxlen
        self.client = redis.Redis.from_url(url, socket_connect_timeout=5)
        try:
            self.client.ping()
        except redis.exceptions.ConnectionError as exc:
            raise ConfigError(
                f"bus {url!r}: cannot reach Redis ({exc}); start it (redis-server --port PORT) or use --bus ray."
            ) from None

    def publish_many(self, items: Iterable[tuple[str, Message]]) -> None:
        pipe = self.client.pipeline(transaction=False)
        for topic, message in items:
            pipe.xadd(topic, {"m": encode(message)}, maxlen=self.maxlen, approximate=True)
        pipe.execute()

    def subscribe(self, topics: list[str]) -> Consumer:
        return RedisConsumer(self.client, topics)

    def close(self) -> None:
        self.client.close()


class RedisConsumer(Consumer):
    def __init__(self, client: Any, topics: list[str]) -> None:
        self.client = client
        self.last: dict[str, str] = {}
        for topic in topics:  # from now on: the id of each stream's newest entry ("0-0" when empty)
            newest = client.xrevrange(topic, count=1)
            self.last[topic] = newest[0][0].decode() if newest else "0-0"

    def poll(self, timeout: float) -> list[tuple[str, Message]]:
        if not self.last:
            time.sleep(timeout)
            return []
        answer = self.client.xread(self.last, block=max(int(timeout * 1000), 1))
        out = []
        for stream, entries in answer or []:
            topic = stream.decode()
            for entry_id, fields in entries:
                self.last[topic] = entry_id.decode()
                out.append((topic, decode(fields[b"m"])))
        return out


# -- Kafka ----------------------------------------------------------------------------------------
class KafkaBus(Bus):
    """Kafka topics through confluent-kafka; each consumer is its own group reading from the end."""

    def __init__(self, url: str) -> None:
        from confluent_kafka import Producer

        self.url, self.servers = url, url.split("://", 1)[1]
        self.producer = Producer({"bootstrap.servers": self.servers, "linger.ms": 0})

    def publish_many(self, items: Iterable[tuple[str, Message]]) -> None:
        for topic, message in items:
            self.producer.produce(topic, encode(message).encode())
        self.producer.flush(10)

    def subscribe(self, topics: list[str]) -> Consumer:
        return KafkaConsumer(self.servers, topics)

    def close(self) -> None:
        self.producer.flush(10)


class KafkaConsumer(Consumer):
    def __init__(self, servers: str, topics: list[str]) -> None:
        from confluent_kafka import Consumer as Client

        self.client = Client(
            {
                "bootstrap.servers": servers,
                "group.id": f"flowlights-{uuid.uuid4().hex[:8]}",
                "auto.offset.reset": "latest",
                "enable.auto.commit": False,
            }
        )
        self.client.subscribe(topics)
        deadline = time.monotonic() + 30  # wait for the partitions to be assigned: "from now on" starts here
        while not self.client.assignment() and time.monotonic() < deadline:
            self.client.poll(0.1)

    def poll(self, timeout: float) -> list[tuple[str, Message]]:
        out = []
        for record in self.client.consume(num_messages=1000, timeout=timeout):
            if record.error() is None:
                out.append((record.topic(), decode(record.value())))
        return out

    def close(self) -> None:
        self.client.close()


def open_bus(url: str) -> Bus:
    """A client of the bus at ``url`` (``ray://NAME`` for a Ray broker, ``redis://``, ``kafka://``)."""
    if url.startswith("ray://"):
        return RayBus(url[len("ray://") :])
    if url.startswith(("redis://", "rediss://")):
        return RedisBus(url)
    if url.startswith("kafka://"):
        return KafkaBus(url)
    raise ConfigError(f"bus {url!r} is unknown; use one of {', '.join(BUS_SCHEMES)}.")
