"""The live dashboard of a deployment (``flowlights deploy --dashboard PORT``), fed by the display topic.

A small threaded HTTP server (standard library only): ``/`` the page, ``/network`` the map (lane shapes
and each controlled light's incoming lanes), ``/events`` the display frames as Server-Sent Events,
``/latest`` the newest frame. The page draws the network with every light's current signal, a queue
bar per approach, delay and throughput charts, and which light services are up or restarting.
"""

from __future__ import annotations

import contextlib
import json
import queue
import threading
import time
import warnings
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from typing import Any, Iterator, Optional

import sumolib

from flowlights.deploy.bus import open_bus
from flowlights.deploy.deployed import DISPLAY_TOPIC, DeployedController
from flowlights.errors import ConfigError


def network_geometry(net_file: str, links: dict[str, list[tuple[int, str]]]) -> dict[str, Any]:
    """Lane polylines (y up, as SUMO) and, per light, its incoming lanes in link order (signal index -> lane)."""
    net = sumolib.net.readNet(net_file)
    lanes = {
        lane.getID(): [list(map(float, p)) for p in lane.getShape()]
        for edge in net.getEdges()
        for lane in edge.getLanes()
    }
    (x0, y0), (x1, y1) = net.getBBoxXY()
    return {
        "lanes": lanes,
        "bbox": [x0, y0, x1, y1],
        "lights": {tls: [{"index": i, "lane": lane} for i, lane in pairs] for tls, pairs in links.items()},
    }


class FrameHub:
    """Keeps the newest frame and hands every frame to each connected page. Each page has its own bounded
    queue: a page that does not keep up loses its oldest frames (counted in ``dropped``), and nobody waits
    for it — ``put`` never blocks."""

    def __init__(self, per_client: int = 200) -> None:
        self.latest: Optional[dict[str, Any]] = None
        self.listeners: list[queue.Queue] = []
        self.lock = threading.Lock()
        self.frames = 0
        self.dropped = 0
        self.per_client = per_client

    @staticmethod
    def _offer(q: queue.Queue, frame: dict[str, Any]) -> int:
        """Put without blocking, dropping the oldest frames of a full queue; how many were dropped."""
        dropped = 0
        while True:
            try:
                q.put_nowait(frame)
                return dropped
            except queue.Full:
                try:
                    q.get_nowait()
                    dropped += 1
                except queue.Empty:
                    pass

    def put(self, frame: dict[str, Any]) -> None:
        with self.lock:
            self.latest, self.frames = frame, self.frames + 1
            for listener in self.listeners:
                self.dropped += self._offer(listener, frame)

    def listen(self) -> queue.Queue:
        q: queue.Queue = queue.Queue(maxsize=self.per_client)
        with self.lock:
            self.listeners.append(q)
            if self.latest is not None:
                q.put_nowait(self.latest)
        return q

    def leave(self, q: queue.Queue) -> None:
        with self.lock:
            self.listeners.remove(q)


def make_handler(hub: FrameHub, geometry: dict[str, Any]) -> type[BaseHTTPRequestHandler]:
    """``geometry`` is filled once the simulation has started (``/network`` answers 503 until then)."""
    page = resources.files("flowlights.deploy").joinpath("dashboard.html").read_text()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:  # quiet
            pass

        def _send(self, body: bytes, kind: str) -> None:
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            if self.path == "/":
                self._send(page.encode(), "text/html; charset=utf-8")
            elif self.path == "/network":
                if not geometry:
                    self.send_error(503, "the simulation has not started yet")
                else:
                    self._send(json.dumps(geometry).encode(), "application/json")
            elif self.path == "/latest":
                self._send(json.dumps(hub.latest).encode(), "application/json")
            elif self.path == "/events":
                self._stream()
            else:
                self.send_error(404)

        def _stream(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-cache")
            self.end_headers()
            q = hub.listen()
            try:
                while True:
                    try:
                        frame = q.get(timeout=15)
                        self.wfile.write(f"data: {json.dumps(frame)}\n\n".encode())
                    except queue.Empty:
                        self.wfile.write(b": keep-alive\n\n")
                    self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                pass
            finally:
                hub.leave(q)

    return Handler


@contextlib.contextmanager
def serve_dashboard(
    deployed: DeployedController | Any, port: int, topic: str = DISPLAY_TOPIC, host: str = "127.0.0.1"
) -> Iterator[FrameHub]:
    """Serve the dashboard on ``host:port`` for as long as the block runs; frames come from ``topic``.
    ``deployed``: the simulation side (a DeployedController, or anything with its ``bus`` and ``env`` once
    running). Only this machine sees it unless ``host`` says otherwise (then a warning: it has no login)."""
    hub, geometry = FrameHub(), {}
    if host not in ("127.0.0.1", "localhost", "::1"):
        warnings.warn(
            f"the dashboard listens on {host}:{port}: anyone who reaches this machine there sees the deployment "
            "(it has no login); use the default 127.0.0.1 to keep it local.",
            UserWarning,
            stacklevel=3,
        )
    try:
        server = ThreadingHTTPServer((host, port), make_handler(hub, geometry))
    except OSError as exc:
        raise ConfigError(
            f"--dashboard {port}: cannot listen on {host}:{port} ({exc.strerror}); choose another port."
        ) from None
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    stop = threading.Event()

    def feed() -> None:
        while deployed.bus is None and not stop.is_set():  # the services (and the bus) start at the first reset
            time.sleep(0.05)
        if stop.is_set():
            return
        env = deployed.env
        links = {
            t: [(i, pairs[0][0]) for i, pairs in sorted(env.topology.lights[t].links.items())] for t in env.controlled
        }
        geometry.update(network_geometry(str(env.scenario.net_file), links))
        bus = open_bus(deployed.bus.url, deployed.bus.key)
        consumer = bus.subscribe([topic])
        while not stop.is_set():
            for _, frame in consumer.poll(0.5):
                hub.put(frame)
        consumer.close()
        bus.close()

    feeder = threading.Thread(target=feed, daemon=True)
    feeder.start()
    print(f"dashboard: http://{host}:{port}/", flush=True)
    try:
        yield hub
    finally:
        stop.set()
        feeder.join(timeout=5)
        server.shutdown()
