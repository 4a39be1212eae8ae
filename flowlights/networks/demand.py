"""Demand: Flow-style InFlows (vehicles per hour or probability per entry edge) and random trips."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional
from xml.sax.saxutils import quoteattr

from flowlights.errors import ConfigError
from flowlights.sim.sumo_home import sumo_home, sumo_tool


@dataclass
class Flow:
    edge: str
    to: Optional[str]  # None: a route the network gives (generated grids: straight through, as Flow's GridRouter)
    begin: float
    end: float
    vehs_per_hour: Optional[float] = None
    probability: Optional[float] = None
    name: str = ""
    depart_lane: str = "best"
    depart_speed: str = "max"
    veh_type: str = ""
    number: Optional[int] = None


@dataclass
class PersonFlow:
    edge: str
    to: str
    begin: float
    end: float
    persons_per_hour: float
    name: str


@dataclass
class InFlows:
    """A list of vehicle flows, as in Flow: ``inflows.add(edge, to=..., vehs_per_hour=600)``, or with
    Flow's keywords ``inflows.add(veh_type="human", edge="left0_0", vehs_per_hour=300, departLane="free",
    departSpeed=10)`` (``period=`` seconds between vehicles and ``number=`` vehicles work too)."""

    flows: list[Flow] = field(default_factory=list)
    persons: list[PersonFlow] = field(default_factory=list)

    def add_pedestrians(
        self, edge: str, to: str, persons_per_hour: float, begin: float = 0.0, end: float = 3600.0, name: str = ""
    ) -> "InFlows":
        """Pedestrians walking from ``edge`` to ``to`` (SUMO personFlow with a walk): the network needs
        sidewalks and crossings (e.g. ``GridNetwork(pedestrians=True)``)."""
        if not persons_per_hour > 0:
            raise ConfigError(f"pedestrians on {edge!r}: persons_per_hour={persons_per_hour!r} must be > 0.")
        if end <= begin:
            raise ConfigError(f"pedestrians on {edge!r}: end={end!r} must be later than begin={begin!r}.")
        self.persons.append(
            PersonFlow(edge, to, begin, end, persons_per_hour, name or f"walkers{len(self.persons)}_{edge}")
        )
        return self

    def add(
        self,
        edge: Optional[str] = None,
        to: Optional[str] = None,
        vehs_per_hour: Optional[float] = None,
        probability: Optional[float] = None,
        begin: float = 0.0,
        end: float = 3600.0,
        name: str = "",
        depart_lane: Any = None,
        depart_speed: Any = None,
        *,
        veh_type: str = "",
        period: Optional[float] = None,
        number: Optional[int] = None,
        **flow_spellings: Any,
    ) -> "InFlows":
        """Add a flow from ``edge`` (to ``to``, or along the network's route); give exactly one of
        vehs_per_hour, period (s), probability (per second) or number."""
        where = f"flow on {edge!r}"
        unknown = sorted(set(flow_spellings) - {"departLane", "departSpeed"})
        if unknown or edge is None:
            raise ConfigError(
                f"{where}: {'unknown option ' + repr(unknown[0]) if unknown else 'edge= is missing'}; "
                "options: edge, to, vehs_per_hour, period, probability, number, begin, end, name, "
                "depart_lane (departLane), depart_speed (departSpeed), veh_type."
            )
        for ours, flows_name, value in (
            ("depart_lane", "departLane", depart_lane),
            ("depart_speed", "departSpeed", depart_speed),
        ):
            if flows_name in flow_spellings and value is not None and str(value) != str(flow_spellings[flows_name]):
                raise ConfigError(
                    f"{where}: {ours}={value!r} and {flows_name}={flow_spellings[flows_name]!r} disagree; keep one."
                )
        depart_lane = flow_spellings.get("departLane", depart_lane if depart_lane is not None else "best")
        depart_speed = flow_spellings.get("departSpeed", depart_speed if depart_speed is not None else "max")
        rates = {
            k: v
            for k, v in (
                ("vehs_per_hour", vehs_per_hour),
                ("period", period),
                ("probability", probability),
                ("number", number),
            )
            if v is not None
        }
        if len(rates) != 1:
            raise ConfigError(
                f"{where}: give exactly one of vehs_per_hour=, period=, probability= or number= "
                f"(got {', '.join(rates) or 'none'})."
            )
        if period is not None:
            if not period > 0:
                raise ConfigError(f"{where}: period={period!r} must be > 0 seconds.")
            vehs_per_hour = 3600.0 / period
        if vehs_per_hour is not None and vehs_per_hour <= 0:
            raise ConfigError(f"{where}: vehs_per_hour={vehs_per_hour!r} must be > 0.")
        if probability is not None and not 0 < probability <= 1:
            raise ConfigError(f"{where}: probability={probability!r} must be within (0, 1].")
        if number is not None and number < 1:
            raise ConfigError(f"{where}: number={number!r} must be >= 1.")
        if end <= begin:
            raise ConfigError(f"{where}: end={end!r} must be later than begin={begin!r}.")
        self.flows.append(
            Flow(
                edge,
                to,
                begin,
                end,
                vehs_per_hour,
                probability,
                name or f"flow{len(self.flows)}_{edge}",
                str(depart_lane),
                str(depart_speed),
                veh_type,
                number,
            )
        )
        return self

    def write(self, path: Path) -> Path:
        """Write a SUMO route file (SUMO routes each flow from its edge to ``to`` itself)."""
        if not self.flows and not self.persons:
            raise ConfigError("InFlows is empty; add() at least one flow before writing it.")
        lines = ['<routes xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">']
        for f in sorted(self.flows, key=lambda f: (f.begin, f.name)):
            if f.to is None:
                raise ConfigError(
                    f"flow on {f.edge!r} names no destination: give to='edge', or use a generated grid "
                    "(GridNetwork), whose straight-through route it then takes (Flow's GridRouter)."
                )
            rate = (
                f'vehsPerHour="{f.vehs_per_hour:g}"'
                if f.vehs_per_hour is not None
                else f'probability="{f.probability:g}"'
                if f.probability is not None
                else f'number="{f.number}"'
            )
            vtype = f" type={quoteattr(f.veh_type)}" if f.veh_type else ""
            lines.append(
                f'    <flow id={quoteattr(f.name)} from={quoteattr(f.edge)} to={quoteattr(f.to)} begin="{f.begin:g}" '
                f'end="{f.end:g}" {rate}{vtype} departLane={quoteattr(f.depart_lane)} departSpeed={quoteattr(f.depart_speed)}/>'
            )
        for p in sorted(self.persons, key=lambda p: (p.begin, p.name)):
            lines.append(
                f'    <personFlow id={quoteattr(p.name)} begin="{p.begin:g}" end="{p.end:g}" perHour="{p.persons_per_hour:g}">'
                f'<walk from={quoteattr(p.edge)} to={quoteattr(p.to)}/></personFlow>'
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
    pedestrians: bool = False  # walking persons instead of vehicles (randomTrips.py --pedestrians)

    def write(self, net_file: Path, path: Path) -> Path:
        """Write routable trips (checked with duarouter) for ``net_file`` to ``path``."""
        cmd = [
            sys.executable,
            sumo_tool("randomTrips.py"),
            "-n",
            str(Path(net_file).resolve()),
            "-o",
            str(path.resolve()),
            "--seed",
            str(self.seed),
            "-b",
            f"{self.begin:g}",
            "-e",
            f"{self.end:g}",
            "-p",
            f"{self.period:g}",
            "--fringe-factor",
            f"{self.fringe_factor:g}",
            "--validate",
        ] + (["--pedestrians", "--prefix", "ped"] if self.pedestrians else [])
        env = {**os.environ, "SUMO_HOME": str(sumo_home())}  # randomTrips finds duarouter through it
        # --validate leaves intermediate files (routes.rou.xml ...) in the working folder: use the output's
        done = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=path.parent)
        if done.returncode != 0 or not path.is_file():
            raise ConfigError(f"randomTrips.py failed for {net_file}: {done.stderr.strip()[-500:]}")
        return path
