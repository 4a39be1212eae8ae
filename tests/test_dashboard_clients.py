"""The dashboard serves many: a browser tab that stops reading loses its own oldest frames, and every other
client keeps receiving (the real HTTP server, real sockets)."""

from __future__ import annotations

import json
import socket
import threading
import time
from http.server import ThreadingHTTPServer

from brokers import free_port
from flowlights.deploy.dashboard import FrameHub, make_handler


def open_events(port: int, small_buffer: bool = False) -> socket.socket:
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    if small_buffer:  # a stalled tab: its socket fills after a few frames
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.sendall(b"GET /events HTTP/1.1\r\nHost: x\r\n\r\n")
    return s


def test_a_stalled_client_does_not_stop_frames_for_the_others():
    hub = FrameHub(per_client=50)
    port = free_port()
    server = ThreadingHTTPServer(("127.0.0.1", port), make_handler(hub, {}))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    stalled = open_events(port, small_buffer=True)  # connects, then never reads
    live = open_events(port)
    received = []

    def read_live() -> None:
        buffer = b""
        while not received or received[-1] < 1999:
            chunk = live.recv(65536)
            if not chunk:
                return
            buffer += chunk
            while b"\n\n" in buffer:
                event, buffer = buffer.split(b"\n\n", 1)
                if event.startswith(b"data: "):
                    received.append(json.loads(event[6:])["seq"])

    reader = threading.Thread(target=read_live, daemon=True)
    reader.start()
    time.sleep(0.5)
    padding = "x" * 20_000  # 2,000 frames of 20 kB: far more than the stalled socket's buffers hold
    started = time.monotonic()
    for seq in range(2000):
        hub.put({"seq": seq, "padding": padding})
        if seq % 100 == 0:
            time.sleep(0.05)  # let the live reader keep up
    put_seconds = time.monotonic() - started
    reader.join(timeout=30)
    server.shutdown()
    stalled.close()
    live.close()
    assert put_seconds < 20, "put never waited for the stalled client"
    assert received and received[-1] == 1999, f"the live client got frames up to the last ({received[-5:]})"
    assert hub.dropped > 0, "the stalled client's queue dropped its oldest frames"
