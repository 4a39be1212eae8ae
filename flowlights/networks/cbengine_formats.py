"""CBEngine's files (KDD Cup 2021 City Brain Challenge): road network, flows and simulator.cfg, read.

Road network (``roadnet_*.txt``)::

    N                                   intersections
    lat lon inter_id has_signal         N lines
    M                                   road pairs
    from to length speed lanes_fwd lanes_bwd road_id inverse_id
    l s r  l s r ...                    per lane of road_id: may it turn left / go straight / turn right
    l s r  l s r ...                    per lane of inverse_id
    S                                   signals
    inter_id r0 r1 r2 r3                the roads leaving the signal, clockwise; -1 where there is none

Lanes are ordered left to right (lane 0 is the leftmost, CBEngine lane id = road_id * 100 + index).
A signal's incoming roads are the inverses of its outgoing ones, in the same order (as the kit's
``process_roadnet``). Flow file: ``F`` flows, each ``start end interval``, ``n``, then ``n`` road ids.
simulator.cfg: ``key : value`` or ``key = value`` lines, ``#`` comments.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Optional

from flowlights.errors import ConfigError

LEFT, STRAIGHT, RIGHT = 0, 1, 2
TURNS = ("left", "straight", "right")


@dataclass(frozen=True)
class Intersection:
    id: int
    lat: float
    lon: float
    has_signal: bool


@dataclass(frozen=True)
class Road:
    id: int
    start: int  # intersection ids
    end: int
    length: float  # m
    speed_limit: float  # m/s
    inverse: int
    lanes: tuple[tuple[int, int, int], ...]  # per lane, left to right: (left, straight, right) allowed

    def lane_id(self, index: int) -> int:
        return self.id * 100 + index

    @property
    def free_flow_time(self) -> float:
        return self.length / self.speed_limit


@dataclass(frozen=True)
class RoadNet:
    intersections: dict[int, Intersection]
    roads: dict[int, Road]
    signals: dict[int, tuple[int, int, int, int]]  # signal id -> its 4 outgoing roads, clockwise (-1: none)

    def in_roads(self, signal: int) -> tuple[int, ...]:
        """The 4 incoming roads of a signal in CBEngine's order (the inverses of its outgoing ones)."""
        return tuple(self.roads[r].inverse if r != -1 else -1 for r in self.signals[signal])

    def agent_roads(self, signal: int) -> list[int]:
        """The kit's ``agents[id]``: 4 incoming then 4 outgoing roads."""
        return list(self.in_roads(signal)) + list(self.signals[signal])


@dataclass(frozen=True)
class Flow:
    start: int
    end: int
    interval: int
    route: tuple[int, ...]

    def departures(self) -> list[int]:
        """Departure times: start, start + interval, ... up to end (inclusive, so start == end is one vehicle)."""
        return list(range(self.start, self.end + 1, self.interval))


@dataclass(frozen=True)
class SimulatorConfig:
    path: Path
    road_file: Path
    flow_file: Path
    start_time: int = 0
    max_time: int = 3600
    report_log_addr: Optional[Path] = None
    report_log_rate: int = 10
    report_log_mode: str = "normal"
    values: dict[str, str] = field(default_factory=dict)  # every key as written


def _tokens(path: Path, what: str) -> Iterator[tuple[int, list[str]]]:
    if not path.is_file():
        raise ConfigError(
            f"CBEngine {what} {str(path)!r} does not exist; fix the path (in simulator.cfg: "
            f"{'road_file_addr' if what == 'road network' else 'vehicle_file_addr'})."
        )
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        parts = line.split()
        if parts:
            yield number, parts


def _bad(path: Path, number: int, what: str) -> ConfigError:
    return ConfigError(
        f"{path}:{number}: {what} (CBEngine road network format: see flowlights.networks.cbengine_formats)."
    )


def read_roadnet(path: str | Path) -> RoadNet:
    """Parse a CBEngine road network file; errors name the file, line and what was expected."""
    path = Path(path)
    lines = list(_tokens(path, "road network"))
    pos = 0

    def take() -> tuple[int, list[str]]:
        nonlocal pos
        if pos >= len(lines):
            raise ConfigError(f"{path}: ends early (line {lines[-1][0] if lines else 0}); a section is missing.")
        pos += 1
        return lines[pos - 1]

    def count(what: str) -> int:
        number, parts = take()
        if len(parts) != 1 or not parts[0].isdigit():
            raise _bad(path, number, f"expected the number of {what}, got {' '.join(parts)!r}")
        return int(parts[0])

    intersections: dict[int, Intersection] = {}
    for _ in range(count("intersections")):
        number, parts = take()
        if len(parts) != 4:
            raise _bad(path, number, f"an intersection is 'lat lon id signal', got {' '.join(parts)!r}")
        try:
            inter = Intersection(int(parts[2]), float(parts[0]), float(parts[1]), bool(int(parts[3])))
        except ValueError as exc:
            raise _bad(path, number, f"{exc}") from exc
        intersections[inter.id] = inter
    roads: dict[int, Road] = {}
    for _ in range(count("road pairs")):
        number, parts = take()
        if len(parts) != 8:
            raise _bad(
                path,
                number,
                f"a road is 'from to length speed lanes lanes_back id inverse_id', got {' '.join(parts)!r}",
            )
        try:
            a, b, n_fwd, n_bwd, rid, inv = (int(parts[i]) for i in (0, 1, 4, 5, 6, 7))
            length, speed = float(parts[2]), float(parts[3])
        except ValueError as exc:
            raise _bad(path, number, f"{exc}") from exc
        for inter in (a, b):
            if inter not in intersections:
                raise _bad(path, number, f"road {rid} joins intersection {inter}, which is not listed")
        if length <= 0 or speed <= 0:
            raise _bad(path, number, f"road {rid} needs a positive length and speed limit (got {length}, {speed})")
        turns = []
        for n in (n_fwd, n_bwd):
            lane_line, lane_parts = take()
            if len(lane_parts) != 3 * n or any(p not in ("0", "1") for p in lane_parts):
                raise _bad(path, lane_line, f"expected {n} lanes x 3 turn flags (0/1), got {' '.join(lane_parts)!r}")
            turns.append(tuple(tuple(int(x) for x in lane_parts[3 * i : 3 * i + 3]) for i in range(n)))
        roads[rid] = Road(rid, a, b, length, speed, inv, turns[0])  # type: ignore[arg-type]
        roads[inv] = Road(inv, b, a, length, speed, rid, turns[1])  # type: ignore[arg-type]
    signals: dict[int, tuple[int, int, int, int]] = {}
    for _ in range(count("signals")):
        number, parts = take()
        if len(parts) != 5:
            raise _bad(path, number, f"a signal is 'id road0 road1 road2 road3', got {' '.join(parts)!r}")
        sid, *out = (int(p) for p in parts)
        if sid not in intersections:
            raise _bad(path, number, f"signal {sid} is not a listed intersection")
        for r in out:
            if r != -1 and (r not in roads or roads[r].start != sid):
                raise _bad(path, number, f"signal {sid} lists road {r}, which does not leave it")
        signals[sid] = tuple(out)  # type: ignore[assignment]
    return RoadNet(intersections, roads, signals)


def read_flows(path: str | Path, roads: Optional[dict[int, Road]] = None) -> list[Flow]:
    """Parse a CBEngine flow file; with ``roads``, each route is checked to be connected."""
    path = Path(path)
    lines = list(_tokens(path, "flow file"))
    if not lines or len(lines[0][1]) != 1:
        raise ConfigError(f"{path}: the first line must be the number of flows.")
    flows, pos = [], 1
    for _ in range(int(lines[0][1][0])):
        if pos + 2 >= len(lines):
            raise ConfigError(f"{path}: ends early; {int(lines[0][1][0])} flows announced, {len(flows)} found.")
        (n1, head), (n2, size), (n3, route) = lines[pos], lines[pos + 1], lines[pos + 2]
        pos += 3
        try:
            start, end, interval = (int(float(x)) for x in head)
            route_ids = tuple(int(x) for x in route)
        except ValueError as exc:
            raise ConfigError(f"{path}:{n1}: a flow is 'start end interval', 'n', then n road ids ({exc}).") from exc
        if len(size) != 1 or int(size[0]) != len(route_ids):
            raise ConfigError(f"{path}:{n3}: the route has {len(route_ids)} roads but line {n2} says {' '.join(size)}.")
        if interval <= 0 or end < start:
            raise ConfigError(f"{path}:{n1}: interval must be > 0 and end >= start (got {' '.join(head)}).")
        if roads is not None:
            for a, b in zip(route_ids, route_ids[1:] + (None,)):
                if a not in roads:
                    raise ConfigError(f"{path}:{n3}: road {a} is not in the road network.")
                if b is not None and b in roads and roads[a].end != roads[b].start:
                    raise ConfigError(f"{path}:{n3}: road {a} does not lead to road {b}; the route is broken.")
        flows.append(Flow(start, end, interval, route_ids))
    return flows


def read_simulator_cfg(path: str | Path) -> SimulatorConfig:
    """Parse simulator.cfg (``key : value`` or ``key = value``); relative file paths are taken from the cfg's
    folder, and a kit-style absolute ``/starter-kit/...`` path that does not exist is looked up there too."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"simulator cfg {str(path)!r} does not exist; give the path of a CBEngine simulator.cfg.")
    values: dict[str, str] = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        for sep in (":", "="):
            if sep in line:
                key, value = line.split(sep, 1)
                values[key.strip()] = value.strip()
                break
    for key in ("road_file_addr", "vehicle_file_addr"):
        if key not in values:
            raise ConfigError(f"simulator cfg {str(path)!r} has no {key}; add '{key} : path/to/file'.")

    def locate(raw: str) -> Path:
        given = Path(raw)
        if given.is_absolute() and given.exists():
            return given
        candidates = [path.parent / given] if not given.is_absolute() else []
        candidates += [path.parent / given.name, path.parent.parent / "data" / given.name]  # the kit's layout
        return next((c for c in candidates if c.exists()), given if given.is_absolute() else path.parent / given)

    def number(key: str, default: int) -> int:
        try:
            return int(float(values.get(key, default)))
        except ValueError as exc:
            raise ConfigError(f"simulator cfg {str(path)!r}: {key} = {values[key]!r} is not a number.") from exc

    log = values.get("report_log_addr")
    return SimulatorConfig(
        path.resolve(),
        locate(values["road_file_addr"]),
        locate(values["vehicle_file_addr"]),
        number("start_time_epoch", 0),
        number("max_time_epoch", 3600),
        Path(log) if log else None,
        max(1, number("report_log_rate", 10)),
        values.get("report_log_mode", "normal"),
        values,
    )
