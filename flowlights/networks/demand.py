"""Demand: Flow-style InFlows (vehicles per hour or probability per entry edge) and random trips."""
from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional
from xml.sax.saxutils import quoteattr

from flowlights.errors import ConfigError
from flowlights.sim.sumo_home import sumo_home, sumo_tool


@dataclass
class Flow:
    edge: str
    to: str
    begin: float
    end: float
    vehs_per_hour: Optional[float] = None
    probability: Optional[float] = None
    name: str = ""
    depart_lane: str = "best"
    depart_speed: str = "max"


@dataclass
class InFlows:
    """A list of vehicle flows, as in Flow: ``inflows.add(edge, to=..., vehs_per_hour=600)``."""

    flows: list[Flow] = field(default_factory=list)

    def add(self, edge: str, to: str, vehs_per_hour: Optional[float] = None, probability: Optional[float] = None,
            begin: float = 0.0, end: float = 3600.0, name: str = "", depart_lane: str = "best",
            depart_speed: str = "max") -> "InFlows":
        """Add a flow from ``edge`` to ``to``; give exactly one of vehs_per_hour or probability (per second)."""
        if (vehs_per_hour is None) == (probability is None):
            raise ConfigError(f"flow on {edge!r}: give exactly one of vehs_per_hour= or probability=.")
        if vehs_per_hour is not None and vehs_per_hour <= 0:
            raise ConfigError(f"flow on {edge!r}: vehs_per_hour={vehs_per_hour!r} must be > 0.")
        if probability is not None and not 0 < probability <= 1:
            raise ConfigError(f"flow on {edge!r}: probability={probability!r} must be within (0, 1].")
        if end <= begin:
            raise ConfigError(f"flow on {edge!r}: end={end!r} must be later than begin={begin!r}.")
        self.flows.append(Flow(edge, to, begin, end, vehs_per_hour, probability,
                               name or f"flow{len(self.flows)}_{edge}", depart_lane, depart_speed))
        return self

    def write(self, path: Path) -> Path:
        """Write a SUMO route file (SUMO routes each flow from its edge to ``to`` itself)."""
        if not self.flows:
            raise ConfigError("InFlows is empty; add() at least one flow before writing it.")
        lines = ['<routes xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">']
        for f in sorted(self.flows, key=lambda f: (f.begin, f.name)):
            rate = f'vehsPerHour="{f.vehs_per_hour:g}"' if f.vehs_per_hour is not None else f'probability="{f.probability:g}"'
            lines.append(
                f'    <flow id={quoteattr(f.name)} from={quoteattr(f.edge)} to={quoteattr(f.to)} begin="{f.begin:g}" '
                f'end="{f.end:g}" {rate} departLane={quoteattr(f.depart_lane)} departSpeed={quoteattr(f.depart_speed)}/>'
            )
        lines.append("</routes>\n")
        path.write_text("\n".join(lines))
        return path


@dataclass
class RandomTrips:
    """Random trips made by SUMO's randomTrips.py, one vehicle every ``period`` seconds on average."""

    period: float = 3.0
    seed: int = 0
    begin: float = 0.0
    end: float = 3600.0
    fringe_factor: float = 10.0

    def write(self, net_file: Path, path: Path) -> Path:
        """Write routable trips (checked with duarouter) for ``net_file`` to ``path``."""
        cmd = [
            sys.executable, sumo_tool("randomTrips.py"), "-n", str(Path(net_file).resolve()), "-o", str(path.resolve()),
            "--seed", str(self.seed), "-b", f"{self.begin:g}", "-e", f"{self.end:g}",
            "-p", f"{self.period:g}", "--fringe-factor", f"{self.fringe_factor:g}", "--validate",
        ]
        env = {**os.environ, "SUMO_HOME": str(sumo_home())}  # randomTrips finds duarouter through it
        # --validate leaves intermediate files (routes.rou.xml ...) in the working folder: use the output's
        done = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=path.parent)
        if done.returncode != 0 or not path.is_file():
            raise ConfigError(f"randomTrips.py failed for {net_file}: {done.stderr.strip()[-500:]}")
        return path
