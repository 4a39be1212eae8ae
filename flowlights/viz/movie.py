"""Movies from a recorded episode (``flowlights evaluate --record``): no SUMO, no GUI, no Xvfb.

Frames are drawn at ``fps`` for a playback ``speed`` (simulated seconds per real second); vehicles
move smoothly (positions interpolated between SUMO's samples), every controlled link shows its
signal, each approach a blue bar as long as its queue (vehicles under 0.1 m/s), and the clock.
"""

from __future__ import annotations

import bisect
import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Optional

import numpy as np
import sumolib

from flowlights.common.progress import Progress
from flowlights.envs.render import NetworkRenderer
from flowlights.errors import ConfigError
from flowlights.viz.video import write_video

HALTING = 0.1  # m/s: SUMO's halting threshold


def find_record(run_dir: Path, seed: Optional[int] = None) -> Path:
    """The episode record in a run folder (``evaluate --record --out RUN_DIR``): the given seed's, else the first."""
    found = sorted(Path(run_dir).rglob("record_seed*.json"))
    if seed is not None:
        found = [p for p in found if p.stem == f"record_seed{seed}"]
    if not found:
        raise ConfigError(
            f"no episode record in {str(run_dir)!r}{f' for seed {seed}' if seed is not None else ''}; "
            "make one with: flowlights evaluate ... --record --out RUN_DIR"
        )
    return found[0]


def read_fcd(path: Path) -> tuple[list[float], list[dict[str, tuple[float, float, float, str]]]]:
    """(times, per time {vehicle: (x, y, speed, lane)}) from SUMO's FCD output."""
    times, samples = [], []
    for _, node in ET.iterparse(str(path)):
        if node.tag == "timestep":
            times.append(float(node.get("time", 0)))
            samples.append(
                {
                    v.get("id"): (float(v.get("x")), float(v.get("y")), float(v.get("speed", 0)), v.get("lane", ""))
                    for v in node.iter("vehicle")
                }
            )
            node.clear()
    return times, samples


def read_tls(path: Path) -> tuple[list[float], list[dict[str, str]]]:
    """(times, the state of every light from that time on), forward-filled."""
    times: list[float] = []
    states: list[dict[str, str]] = []
    for _, node in ET.iterparse(str(path)):
        if node.tag == "tlsState":
            t = float(node.get("time", 0))
            if not times or t != times[-1]:
                times.append(t)
                states.append(dict(states[-1]) if states else {})
            states[-1][node.get("id")] = node.get("state")
            node.clear()
    return times, states


def make_movie(
    run_dir: Path,
    out: Optional[Path] = None,
    fps: float = 10.0,
    speed: float = 10.0,
    seed: Optional[int] = None,
    size: tuple[int, int] = (640, 640),
    progress: bool = True,
) -> Path:
    """Render the recorded episode of ``run_dir`` to ``out`` (.mp4 or .gif; default RUN_DIR/movie_seed<K>.mp4)."""
    if not fps > 0 or not speed > 0:
        raise ConfigError(f"fps={fps!r} and speed={speed!r} must be > 0.")
    record_path = find_record(run_dir, seed)
    meta = json.loads(record_path.read_text())
    folder = record_path.parent
    times, samples = read_fcd(folder / meta["fcd"])
    tls_times, tls_states = read_tls(folder / meta["tls"])
    if len(times) < 2:
        raise ConfigError(f"{folder / meta['fcd']} holds {len(times)} time step(s): nothing to animate.")
    links = {tls: [(int(i), lane) for i, lane in pairs] for tls, pairs in meta["links"].items()}
    renderer = NetworkRenderer(meta["net_file"], links, size=size)
    net = sumolib.net.readNet(meta["net_file"])
    shapes = {lane.getID(): lane.getShape() for edge in net.getEdges() for lane in edge.getLanes()}
    approach = {lane for pairs in links.values() for _, lane in pairs}
    out = Path(out) if out is not None else Path(run_dir) / f"movie_seed{meta['seed']}.mp4"
    frame_times = np.arange(times[0], times[-1] + 1e-9, speed / fps)
    frames = []
    try:
        with Progress(len(frame_times), f"movie {out.name}") as bar:
            for k, t in enumerate(frame_times):
                i = min(max(bisect.bisect_right(times, t) - 1, 0), len(times) - 2)
                a, b = samples[i], samples[i + 1]
                w = float(np.clip((t - times[i]) / max(times[i + 1] - times[i], 1e-9), 0, 1))
                ids = (
                    [v for v in a if v in b]
                    + [v for v in a if v not in b and w < 0.5]
                    + [v for v in b if v not in a and w >= 0.5]
                )
                pos = np.array(
                    [
                        (a[v][0] + w * (b[v][0] - a[v][0]), a[v][1] + w * (b[v][1] - a[v][1]))
                        if v in a and v in b
                        else (a.get(v) or b[v])[:2]
                        for v in ids
                    ]
                ).reshape(-1, 2)
                spd = np.array(
                    [
                        (a.get(v) or b[v])[2] if not (v in a and v in b) else a[v][2] + w * (b[v][2] - a[v][2])
                        for v in ids
                    ]
                )
                now = a if w < 0.5 else b
                queues: dict[str, int] = {}
                for x, y, s, lane in now.values():
                    if s < HALTING and lane in approach:
                        queues[lane] = queues.get(lane, 0) + 1
                renderer.set_queues(queues, shapes)
                j = max(bisect.bisect_right(tls_times, t) - 1, 0)
                states = tls_states[j] if tls_states else {}
                frames.append(
                    renderer.draw_frame(
                        pos,
                        spd,
                        states,
                        f"t = {t:7.1f} s   {len(ids)} vehicles   {sum(queues.values())} queued   {meta['controller']}",
                    )
                )
                if progress:
                    bar.update(k + 1)
    finally:
        renderer.close()
    return write_video(frames, out, fps=fps)
