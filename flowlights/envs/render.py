"""rgb_array rendering without an X server: the network drawn from its geometry (sumolib),
vehicles coloured by speed (red slow, green fast), and every controlled link's signal as a
dot at the end of its incoming lane. matplotlib's Agg backend, no display needed."""

from __future__ import annotations

from typing import Any

import numpy as np
import sumolib

from flowlights.common.mpl import pyplot

PRIORITY = "GgsyYuroO"  # most permissive first
SIGNAL_COLOURS = {
    "G": (0.0, 0.78, 0.0),
    "g": (0.0, 0.55, 0.0),
    "y": (1.0, 0.85, 0.0),
    "Y": (1.0, 0.85, 0.0),
    "r": (0.86, 0.0, 0.0),
    "u": (1.0, 0.5, 0.0),
    "s": (0.6, 0.0, 0.6),
}


class NetworkRenderer:
    """Draws one frame of a running simulation; the static network is drawn once."""

    def __init__(
        self, net_file: str, links: dict[str, list[tuple[int, str]]], size: tuple[int, int] = (640, 640)
    ) -> None:
        from matplotlib.collections import LineCollection  # optional: matplotlib (viz extra)

        plt = pyplot("rgb_array rendering")

        net = sumolib.net.readNet(net_file)
        shapes = {lane.getID(): lane.getShape() for edge in net.getEdges() for lane in edge.getLanes()}
        self.fig = plt.figure(figsize=(size[0] / 100, size[1] / 100), dpi=100)
        self.ax = self.fig.add_axes([0, 0, 1, 1])
        self.ax.set_axis_off()
        self.ax.add_collection(LineCollection(list(shapes.values()), colors="0.25", linewidths=2, zorder=1))
        (x0, y0), (x1, y1) = net.getBBoxXY()
        pad = 0.03 * max(x1 - x0, y1 - y0, 1.0)
        self.ax.set_xlim(x0 - pad, x1 + pad)
        self.ax.set_ylim(y0 - pad, y1 + pad)
        self.ax.set_aspect("equal")
        # one dot per incoming lane, showing its most permissive signal (its links share the spot)
        self.lanes = {tls: sorted({lane for _, lane in pairs}) for tls, pairs in links.items()}
        self.link_of = {
            tls: {lane: [i for i, l in pairs if l == lane] for lane in self.lanes[tls]} for tls, pairs in links.items()
        }
        xy = [shapes[lane][-1] for tls in self.lanes for lane in self.lanes[tls]]
        self.signal_xy = np.array(xy).reshape(-1, 2)
        self.signals = self.ax.scatter(
            self.signal_xy[:, 0], self.signal_xy[:, 1], s=30, zorder=3, edgecolors="k", linewidths=0.3
        )
        self.vehicles = self.ax.scatter([], [], c=np.zeros(0), s=8, zorder=2, cmap="RdYlGn", vmin=0.0, vmax=1.0)
        self.title = self.ax.text(0.01, 0.99, "", transform=self.ax.transAxes, va="top", fontsize=9)

    def draw(self, api: Any, states: dict[str, str], max_speed: float = 15.0) -> np.ndarray:
        ids = api.vehicle.getIDList()
        positions = np.array([api.vehicle.getPosition(v) for v in ids]).reshape(-1, 2)
        speeds = np.array([api.vehicle.getSpeed(v) for v in ids])
        return self.draw_frame(
            positions, speeds, states, f"t = {api.simulation.getTime():.0f} s, {len(ids)} vehicles", max_speed
        )

    def draw_frame(
        self, positions: np.ndarray, speeds: np.ndarray, states: dict[str, str], title: str, max_speed: float = 15.0
    ) -> np.ndarray:
        """One frame from given vehicle positions/speeds and light states (a live run, or a recorded one)."""
        self.vehicles.set_offsets(np.asarray(positions).reshape(-1, 2))
        self.vehicles.set_array(np.clip(np.asarray(speeds) / max_speed, 0, 1))
        colours = [
            SIGNAL_COLOURS.get(
                min((states[tls][i] for i in self.link_of[tls][lane]), key=PRIORITY.index), (0.5, 0.5, 0.5)
            )
            if tls in states
            else (0.5, 0.5, 0.5)
            for tls in self.lanes
            for lane in self.lanes[tls]
        ]
        if colours:
            self.signals.set_facecolors(colours)
        self.title.set_text(title)
        self.fig.canvas.draw()
        return np.asarray(self.fig.canvas.buffer_rgba())[..., :3].copy()

    def set_queues(self, queues: dict[str, int], shapes: dict[str, list], vehicle_gap: float = 7.5) -> None:
        """A bar along each approach lane, back from its stop line, as long as its queue (``vehicle_gap`` m each)."""
        from matplotlib.collections import LineCollection  # optional: matplotlib (viz extra)

        segments = []
        for lane, count in queues.items():
            if count <= 0 or lane not in shapes:
                continue
            (x0, y0), (x1, y1) = shapes[lane][-2], shapes[lane][-1]
            length = max(np.hypot(x1 - x0, y1 - y0), 1e-6)
            reach = min(count * vehicle_gap, length)
            segments.append([(x1, y1), (x1 - (x1 - x0) * reach / length, y1 - (y1 - y0) * reach / length)])
        if getattr(self, "queue_bars", None) is not None:
            self.queue_bars.remove()
        self.queue_bars = LineCollection(segments, colors=(0.2, 0.3, 0.9, 0.55), linewidths=6, zorder=1.5)
        self.ax.add_collection(self.queue_bars)

    def close(self) -> None:
        import matplotlib.pyplot as plt  # optional: matplotlib (viz extra)

        plt.close(self.fig)
