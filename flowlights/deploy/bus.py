"""Message buses the deployed lights talk over: one small interface, three transports.

``open_bus(url)``: ``"ray"`` (a broker actor in the running Ray cluster: no server to install),
``"redis://HOST:PORT"`` (Redis Streams, one stream per topic), ``"kafka://HOST:PORT"`` (Kafka topics
through confluent-kafka; ``topic:N`` is partition N). Messages are JSON objects; a consumer sees what is published on its topics
after it subscribed, in order per topic. Every process (the simulation side, each light's service)
opens its own connection from the URL, so a bus crosses process boundaries by its URL alone.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import time
import uuid
from typing import Any, Iterable, Optional

from flowlights.errors import ConfigError, FlowlightsError

Message = dict[str, Any]
BUS_SCHEMES = ("ray", "redis://HOST:PORT", "kafka://HOST:PORT")


class BusError(FlowlightsError, RuntimeError):
    """The bus lost or refused a message, or cannot be reached: named, never a silently missing decision."""


class MissingTopic(BusError):
    """A consumer's topic does not exist (yet): whoever creates the topics has not run."""


NAMESPACE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def check_namespace(namespace: str) -> str:
    """A deployment's topic prefix: letters, digits, ``_`` and ``-`` (valid in Kafka, Redis and Ray names)."""
    if not isinstance(namespace, str) or not NAMESPACE.match(namespace):
        raise ConfigError(
            f"namespace {namespace!r} must be 1-64 letters, digits, '_' or '-' (it prefixes the topics), e.g. city-a."
        )
    return namespace


def partition_address(topic: str, partition: int) -> str:
    """Partition ``partition`` of ``topic`` (``manager0:2``): a Kafka partition, a stream of its own elsewhere."""
    return f"{topic}:{partition}"


def split_address(address: str) -> tuple[str, Optional[int]]:
    """(topic, partition or None) of an address from :func:`partition_address` or a plain topic."""
    topic, sep, partition = address.rpartition(":")
    return (topic, int(partition)) if sep and partition.isdigit() else (address, None)


class Consumer:
    """Reads what is published on some topics after it was created."""

    def poll(self, timeout: float) -> list[tuple[str, Message]]:  # pragma: no cover - abstract
        """(topic, message) pairs published since the last poll; waits up to ``timeout`` seconds for one."""
        raise NotImplementedError

    def close(self) -> None:
        """Release the connection."""


class Bus:
    """Publishes messages on topics and makes consumers. With a ``key`` every message is signed on the way
    out and checked on the way in."""

    url = ""
    key: Optional[bytes] = None

    def publish(self, topic: str, message: Message) -> None:
        self.publish_many([(topic, message)])

    def publish_many(self, items: Iterable[tuple[str, Message]]) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def subscribe(self, topics: list[str]) -> Consumer:  # pragma: no cover - abstract
        """A consumer of these addresses (topics, or ``topic:N`` partitions) from now on."""
        raise NotImplementedError

    def declare(self, topics: dict[str, int]) -> None:
        """Make sure each topic exists with at least this many partitions (Kafka; elsewhere a partition is a
        stream of its own, made when first written)."""

    def close(self) -> None:
        """Release the connection (the bus itself, a server or the broker actor, keeps running unless this
        client created it)."""


def encode(message: Message) -> str:
    return json.dumps(message, separators=(",", ":"))


def _signature(message: Message, key: bytes) -> str:
    body = json.dumps({k: v for k, v in message.items() if k != "sig"}, separators=(",", ":"), sort_keys=True)
    return hmac.new(key, body.encode(), hashlib.sha256).hexdigest()


def sign(message: Message, key: Optional[bytes]) -> Message:
    """The message with its HMAC-SHA256 ``sig`` under ``key`` (None: unchanged)."""
    return message if key is None else {**message, "sig": _signature(message, key)}


def verify(message: Message, key: Optional[bytes]) -> Message:
    """The message without its ``sig`` when the signature holds, else ``{"kind": "unsigned"}`` (dropped and
    counted by its reader): with a key, only its holders can send readings or decisions."""
    if key is None:
        return message
    sig = message.get("sig")
    if not isinstance(sig, str) or not hmac.compare_digest(sig, _signature(message, key)):
        return {"kind": "unsigned"}
    return {k: v for k, v in message.items() if k != "sig"}


def decode(payload: Any) -> Message:
    """The message, or ``{"kind": "undecodable"}`` for bytes that are not a JSON object (the reader drops
    and counts it: bad input on a bus never crashes a run)."""
    try:
        message = json.loads(payload)
    except (ValueError, TypeError):
        return {"kind": "undecodable"}
    return message if isinstance(message, dict) else {"kind": "undecodable"}


# -- Ray: a broker actor ------------------------------------------------------------------------
class RayBus(Bus):
    """Talks to the named broker actor (``flowlights.deploy.ray_broker``) of this Ray cluster."""

    def __init__(self, name: str) -> None:
        import ray  # optional: ray (rllib extra)

        self.url, self.name = f"ray://{name}", name
        try:
            self.broker = ray.get_actor(name)
        except ValueError:
            raise ConfigError(f"no Ray bus {name!r} in this Ray cluster; start one with start_ray_bus().") from None

    def publish_many(self, items: Iterable[tuple[str, Message]]) -> None:
        batch = [(topic, encode(sign(m, self.key))) for topic, m in items]
        if batch:
            self.broker.publish.remote(batch)  # in order: Ray runs one caller's calls to an actor in order

    def subscribe(self, topics: list[str]) -> Consumer:
        return RayConsumer(self.broker, topics, self.key)


class RayConsumer(Consumer):
    def __init__(self, broker: Any, topics: list[str], key: Optional[bytes] = None) -> None:
        import ray  # optional: ray (rllib extra)

        self.broker, self.ray, self.key = broker, ray, key
        self.offsets = ray.get(broker.ends.remote(topics))

    def poll(self, timeout: float) -> list[tuple[str, Message]]:
        found, self.offsets = self.ray.get(self.broker.read.remote(self.offsets, timeout))
        return [(topic, verify(decode(payload), self.key)) for topic, payload in found]


def start_ray_bus(key: Optional[str | bytes] = None) -> RayBus:
    """A new broker actor (unique name) in the running Ray cluster, and a client of it."""
    import ray  # optional: ray (rllib extra)

    from flowlights.deploy.ray_broker import RayBroker  # optional: ray (rllib extra), which ray_broker imports

    name = f"flowlights-bus-{uuid.uuid4().hex[:8]}"
    broker = RayBroker.options(name=name, num_cpus=0, max_concurrency=1000).remote()
    ray.get(broker.ends.remote([]))  # started
    bus = RayBus(name)
    bus.key = key.encode() if isinstance(key, str) else key
    bus.owner = broker  # the creating handle keeps the broker alive (Ray collects an actor whose creator let go)
    return bus


# -- Redis Streams ------------------------------------------------------------------------------
class RedisBus(Bus):
    """One Redis stream per topic (capped at ``maxlen`` entries); consumers read with XREAD."""

    def __init__(self, url: str, maxlen: int = 100_000) -> None:
        import redis  # optional: redis (deploy extra)

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
            pipe.xadd(topic, {"m": encode(sign(message, self.key))}, maxlen=self.maxlen, approximate=True)
        pipe.execute()

    def subscribe(self, topics: list[str]) -> Consumer:
        return RedisConsumer(self.client, topics, self.key)

    def close(self) -> None:
        self.client.close()


class RedisConsumer(Consumer):
    def __init__(self, client: Any, topics: list[str], key: Optional[bytes] = None) -> None:
        self.client, self.key = client, key
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
                out.append((topic, verify(decode(fields[b"m"]), self.key)))
        return out


# -- Kafka ----------------------------------------------------------------------------------------
def kafka_logger() -> logging.Logger:
    """librdkafka's own log lines (a refused connection every 50 ms) stay out of the terminal: the bus raises
    a BusError that names what failed instead."""
    log = logging.getLogger("flowlights.kafka")
    if not log.handlers:
        log.addHandler(logging.NullHandler())
        log.propagate = False
    return log


class KafkaBus(Bus):
    """Kafka topics through confluent-kafka. An address ``topic:N`` is partition N of ``topic`` (Regularflow's
    manager topic has one partition per light). Every publish waits for the broker's acknowledgement: a
    message the broker did not take is a :class:`BusError`, never a silently missing decision."""

    def __init__(
        self,
        url: str,
        timeout: float = 10.0,
        producer_config: Optional[dict[str, Any]] = None,
        consumer_config: Optional[dict[str, Any]] = None,
    ) -> None:
        from confluent_kafka import KafkaException, Producer  # optional: confluent-kafka (deploy extra)

        self.url, self.servers, self.timeout = url, url.split("://", 1)[1], timeout
        if not self.servers:
            raise ConfigError(f"bus {url!r} names no broker; use kafka://HOST:PORT.")
        base = {"bootstrap.servers": self.servers, "logger": kafka_logger()}
        # a fetch waits at most 5 ms for data (librdkafka's 500 ms default is a brokers' long poll that Tansu
        # holds to the end: 240 ms per message instead of 4 ms); the caller's own setting wins
        self.consumer_config = {"fetch.wait.max.ms": 5, **(consumer_config or {}), **base}
        self.producer = Producer(
            {**(producer_config or {}), **base, "linger.ms": 0, "message.timeout.ms": int(timeout * 1000)}
        )
        self.failures: list[str] = []
        try:
            self.producer.list_topics(timeout=timeout)
        except KafkaException as exc:
            raise BusError(
                f"bus {url!r}: no Kafka broker answered at {self.servers} within {timeout:g} s ({exc.args[0]}); "
                "start one (see docs/deploy.md: Buses) or use --bus ray."
            ) from None

    def _delivered(self, error: Any, record: Any) -> None:
        if error is not None:
            self.failures.append(f"{record.topic()}[{record.partition()}]: {error.str()}")

    def declare(self, topics: dict[str, int]) -> None:
        """Create the topics that do not exist, with the partitions given; a topic with fewer partitions than
        needed is an error naming it (a light would have no partition to read)."""
        from confluent_kafka.admin import AdminClient, NewTopic  # optional: confluent-kafka (deploy extra)

        admin = AdminClient({"bootstrap.servers": self.servers, "logger": kafka_logger()})
        existing = {name: len(meta.partitions) for name, meta in admin.list_topics(timeout=self.timeout).topics.items()}
        short = {t: (existing[t], n) for t, n in topics.items() if t in existing and existing[t] < n}
        if short:
            raise BusError(
                "Kafka topics with too few partitions (one per light): "
                + ", ".join(f"{t} has {have}, needs {need}" for t, (have, need) in short.items())
                + "; delete them or create them with enough partitions."
            )
        new = [NewTopic(t, n, 1) for t, n in topics.items() if t not in existing]
        for topic, future in (admin.create_topics(new) if new else {}).items():
            try:
                future.result(self.timeout)
            except Exception as exc:  # another process created it meanwhile: fine if it now has enough
                if "already exists" not in str(exc).lower() and "TOPIC_ALREADY_EXISTS" not in str(exc):
                    raise BusError(f"cannot create Kafka topic {topic!r} on {self.servers}: {exc}") from None

    def publish_many(self, items: Iterable[tuple[str, Message]]) -> None:
        from confluent_kafka import KafkaException  # optional: confluent-kafka (deploy extra)

        for address, message in items:
            topic, partition = split_address(address)
            where = {} if partition is None else {"partition": partition}
            try:
                self.producer.produce(
                    topic, encode(sign(message, self.key)).encode(), on_delivery=self._delivered, **where
                )
            except KafkaException as exc:  # refused before sending: e.g. a partition its metadata lacks
                self.failures.append(f"{topic}[{'any' if partition is None else partition}]: {exc.args[0].str()}")
                break
        left = self.producer.flush(self.timeout)
        failures, self.failures = self.failures, []
        if left:
            raise BusError(
                f"bus {self.url!r}: {left} message(s) not acknowledged within {self.timeout:g} s; is the broker up?"
            )
        if failures:
            raise BusError(f"bus {self.url!r}: delivery failed: {'; '.join(failures[:5])}")

    def subscribe(self, topics: list[str]) -> Consumer:
        return KafkaConsumer(self.consumer_config, topics, self.timeout, self.key)

    def close(self) -> None:
        self.producer.flush(self.timeout)


class KafkaConsumer(Consumer):
    """Reads its partitions from their current end (``topic`` alone: every partition of it). Partitions are
    assigned, not balanced by a consumer group: reading starts at once (a group takes seconds to rebalance)
    and two lights given the same ``group.id`` still each read their own partition.

    Offsets are followed partition by partition: a record past the next expected offset means the broker
    served a fetch past a record it had not yet made readable (Tansu does, about once in 2,000 records while
    several producers append to one partition: a decision then never arrived). The consumer reads again from
    the gap, for up to ``GAP_PATIENCE`` seconds, and only then takes the gap as real (``gaps_accepted``)."""

    GAP_PATIENCE = 2.0

    def __init__(
        self, config: dict[str, Any], addresses: list[str], timeout: float, key: Optional[bytes] = None
    ) -> None:
        from confluent_kafka import Consumer as Client  # optional: confluent-kafka (deploy extra)
        from confluent_kafka import KafkaException, TopicPartition  # optional: confluent-kafka (deploy extra)

        config = {"group.id": f"flowlights-{uuid.uuid4().hex[:8]}", **config, "enable.auto.commit": False}
        self.client, self.key = Client(config), key
        try:
            known = self.client.list_topics(timeout=timeout).topics
        except KafkaException as exc:
            raise BusError(f"no Kafka broker answered at {config['bootstrap.servers']} ({exc.args[0]})") from None
        assignment = []
        for address in addresses:
            topic, partition = split_address(address)
            have = len(known[topic].partitions) if topic in known else 0
            wanted = range(have) if partition is None else [partition]
            if have == 0 or any(p >= have for p in wanted):
                raise (MissingTopic if have == 0 else BusError)(
                    f"Kafka topic {topic!r} has {have} partition(s); this consumer needs "
                    f"{'one' if partition is None else f'partition {partition}'}. Create the topic with one "
                    "partition per light first."
                )
            for p in wanted:  # from now on: each partition's current end, fixed before anything is read
                _, high = self.client.get_watermark_offsets(TopicPartition(topic, p), timeout=timeout)
                assignment.append(TopicPartition(topic, p, high))
        self.client.assign(assignment)
        self.partition = TopicPartition
        self.expected = {(tp.topic, tp.partition): tp.offset for tp in assignment}  # next offset to deliver
        self.gap_seen: dict[tuple[str, int], float] = {}
        self.rereads = 0  # fetches read again from a gap
        self.gaps_accepted = 0  # gaps still there after GAP_PATIENCE seconds

    def poll(self, timeout: float) -> list[tuple[str, Message]]:
        first = self.client.poll(timeout)
        if first is None:
            return []
        out, rewound = [], set()
        for record in [first, *self.client.consume(num_messages=1000, timeout=0)]:
            if record.error() is not None:
                raise BusError(f"Kafka consumer of {record.topic()}[{record.partition()}]: {record.error().str()}")
            where, offset = (record.topic(), record.partition()), record.offset()
            want = self.expected.get(where, offset)
            if where in rewound or offset < want:
                continue  # read again after the rewind below, or delivered already
            if offset > want:
                now = time.monotonic()
                if now - self.gap_seen.setdefault(where, now) < self.GAP_PATIENCE:
                    self.client.seek(self.partition(*where, want))
                    self.rereads += 1
                    rewound.add(where)
                    continue
                self.gaps_accepted += 1
            self.gap_seen.pop(where, None)
            self.expected[where] = offset + 1
            out.append((record.topic(), verify(decode(record.value()), self.key)))
        return out

    def close(self) -> None:
        self.client.close()


def open_bus(url: str, key: Optional[str | bytes] = None) -> Bus:
    """A client of the bus at ``url`` (``ray://NAME`` for a Ray broker, ``redis://``, ``kafka://``); ``key``:
    sign what it sends and drop what is not signed with the same key."""
    if url.startswith("ray://"):
        bus: Bus = RayBus(url[len("ray://") :])
    elif url.startswith(("redis://", "rediss://")):
        bus = RedisBus(url)
    elif url.startswith("kafka://"):
        bus = KafkaBus(url)
    else:
        raise ConfigError(f"bus {url!r} is unknown; use one of {', '.join(BUS_SCHEMES)}.")
    bus.key = key.encode() if isinstance(key, str) else key
    return bus
