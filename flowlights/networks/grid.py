"""GridNetwork and ArterialNetwork: traffic-light grids built by SUMO's netgenerate.

Every inner junction gets a traffic light; each border junction gets an attached entry/exit
road so that all lights have four arms. Built networks are cached by their parameters.
"""
from __future__ import annotations

import hashlib
import json
import math
import os
import subprocess
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Optional

from flowlights.errors import ConfigError
from flowlights.networks.demand import InFlows
from flowlights.networks.topology import read_net
from flowlights.sim.sumo_home import sumo_binary


def cache_dir() -> Path:
    """Where generated networks go: $FLOWLIGHTS_CACHE or ~/.cache/flowlights."""
    return Path(os.environ.get("FLOWLIGHTS_CACHE", Path.home() / ".cache" / "flowlights"))


@dataclass(frozen=True)
class GridNetwork:
    """rows x cols traffic lights; block length and attached road length in metres, speed in m/s.

    lanes: lanes per direction on every road; turn_lanes: extra dedicated left-turn lanes;
    left_turns: False forbids left turns (netconvert's --no-left-connections).
    """

    rows: int = 2
    cols: int = 2
    length: float = 200.0
    attach_length: float = 200.0
    lanes: int = 1
    speed: float = 13.89
    turn_lanes: int = 0
    left_turns: bool = True

    def __post_init__(self) -> None:
        if self.rows < 1 or self.cols < 1:
            raise ConfigError(f"GridNetwork rows={self.rows!r}, cols={self.cols!r}: both must be >= 1.")
        if self.rows * self.cols < 2 and self.attach_length <= 0:
            raise ConfigError("a 1x1 grid needs attach_length > 0 to have roads at all.")
        if self.lanes < 1 or self.turn_lanes < 0:
            raise ConfigError(f"lanes={self.lanes!r} must be >= 1 and turn_lanes={self.turn_lanes!r} >= 0.")
        if self.length <= 0 or self.speed <= 0:
            raise ConfigError(f"length={self.length!r} and speed={self.speed!r} must be > 0.")

    def netgenerate_args(self, out: Path) -> list[str]:
        args = [
            sumo_binary("netgenerate"), "--grid",
            "--grid.x-number", str(self.cols), "--grid.y-number", str(self.rows),
            "--grid.x-length", f"{self.length:g}", "--grid.y-length", f"{self.length:g}",
            "--grid.attach-length", f"{self.attach_length:g}",
            "--default.lanenumber", str(self.lanes), "--default.speed", f"{self.speed:g}",
            "--default-junction-type", "traffic_light", "--no-turnarounds", "true",
            "--tls.default-type", "static", "--no-warnings", "true", "--output-file", str(out),
        ]
        if self.turn_lanes:
            args += ["--turn-lanes", str(self.turn_lanes)]
        if not self.left_turns:
            args += ["--no-left-connections", "true"]
        return args

    def build(self, folder: Optional[Path] = None) -> Path:
        """Generate the .net.xml (once per parameter set) and return its path."""
        key = hashlib.sha1(json.dumps([type(self).__name__, asdict(self)], sort_keys=True).encode()).hexdigest()[:12]
        folder = Path(folder) if folder else cache_dir() / "networks" / key
        folder.mkdir(parents=True, exist_ok=True)
        out = folder / f"grid{self.rows}x{self.cols}.net.xml"
        if not out.is_file():
            tmp = out.with_suffix(".tmp.xml")
            done = subprocess.run(self.netgenerate_args(tmp), capture_output=True, text=True)
            if done.returncode != 0:
                raise ConfigError(f"netgenerate failed for {self}: {done.stderr.strip()[-500:]}")
            tmp.replace(out)
        return out

    def demand(self, net_file: Path, vehs_per_hour: float = 300.0, straight_share: float = 0.7,
               begin: float = 0.0, end: float = 3600.0, main_axis_factor: float = 1.0) -> InFlows:
        """Flows from every entry road: ``straight_share`` goes straight through, the rest turns
        (split evenly over the other exits). West-east entries are scaled by ``main_axis_factor``."""
        topo = read_net(net_file)
        xy = topo.junction_xy
        fringe = {j for j, t in topo.junction_types.items() if t == "dead_end"}
        entries = [e for e, (f, _) in topo.edge_ends.items() if f in fringe]
        exits = [e for e, (_, t) in topo.edge_ends.items() if t in fringe]
        inflows = InFlows()
        for entry in sorted(entries):
            f, t = topo.edge_ends[entry]
            heading = (xy[t][0] - xy[f][0], xy[t][1] - xy[f][1])
            rate = vehs_per_hour * (main_axis_factor if abs(heading[0]) > abs(heading[1]) else 1.0)
            reverse = next((e for e in exits if topo.edge_ends[e][1] == f), None)  # back where it came from
            candidates = [e for e in exits if e != reverse]
            straight = max(candidates, key=lambda e: _alignment(heading, xy[topo.edge_ends[e][0]], xy[topo.edge_ends[e][1]], xy[f]))
            others = [e for e in candidates if e != straight]
            inflows.add(entry, to=straight, vehs_per_hour=rate * (straight_share if others else 1.0), begin=begin, end=end)
            for exit_edge in others:
                inflows.add(entry, to=exit_edge, vehs_per_hour=rate * (1 - straight_share) / len(others), begin=begin, end=end)
        return inflows


def _alignment(heading: tuple[float, float], a: tuple[float, float], b: tuple[float, float], origin: tuple[float, float]) -> float:
    """How well the road a->b continues ``heading`` on the line through ``origin`` (higher is better)."""
    d = (b[0] - a[0], b[1] - a[1])
    cos = (heading[0] * d[0] + heading[1] * d[1]) / (math.hypot(*heading) * math.hypot(*d) or 1.0)
    off_line = abs(heading[0] * (b[1] - origin[1]) - heading[1] * (b[0] - origin[0])) / (math.hypot(*heading) or 1.0)
    return cos - off_line / 1e4


@dataclass(frozen=True)
class ArterialNetwork(GridNetwork):
    """A 1 x n arterial: one west-east main road crossed by n side streets."""

    rows: int = 1
    cols: int = 4
    lanes: int = 2
