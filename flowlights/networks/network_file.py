"""NetworkFile: a scenario given as SUMO files (.sumocfg, or .net.xml plus route files).

Also resolves bundled scenario names (folders of the repository's ``networks/``) and checks the
files before SUMO ever sees them, so a bad path fails at construction with a clear message.
"""

from __future__ import annotations

import gzip
import os
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Callable, Optional, Sequence, Union

from flowlights.errors import ConfigError

PathLike = Union[str, Path]
SCENARIO_KEYS = ("scenario", "sumocfg", "net_file", "route_file")  # the ways to name a scenario (resolve_scenario)
SCENARIO_ARGS = SCENARIO_KEYS + ("additional_files",)  # every keyword of resolve_scenario
BUNDLED_DIR = Path(__file__).resolve().parents[2] / "networks"  # in a checkout
PACKAGED_DIR = Path(__file__).resolve().parents[1] / "bundled"  # in an installed wheel (see setup.py)


def bundled_dir(name: str) -> Path:
    """A folder the project bundles (``networks`` or ``exp_configs``): the checkout's, else the wheel's copy."""
    checkout = BUNDLED_DIR.parent / name
    return checkout if checkout.is_dir() else PACKAGED_DIR / name


_DEMAND = re.compile(rb"<(vehicle|flow|trip|person|personFlow|container)[\s>]")


def resco_dir() -> Path:
    """RESCO's scenarios: $FLOWLIGHTS_RESCO, else ../shared/scenarios/resco beside the checkout."""
    return Path(os.environ.get("FLOWLIGHTS_RESCO", BUNDLED_DIR.parents[1] / "shared" / "scenarios" / "resco"))


def open_xml(path: Path) -> IO[bytes]:
    """Open a possibly gzipped XML file for reading bytes."""
    return gzip.open(path, "rb") if str(path).endswith(".gz") else open(path, "rb")


def bundled_scenarios() -> list[str]:
    """Names of the scenarios bundled in the repository's networks/ folder."""
    folder = bundled_dir("networks")
    return sorted(p.parent.name for p in folder.glob("*/*.sumocfg")) if folder.is_dir() else []


def _check_file(path: Path, what: str, fix: str) -> Path:
    if not path.is_file():
        raise ConfigError(f"{what} {str(path)!r} does not exist; {fix}")
    try:
        with open_xml(path) as fh:
            fh.read(1)
    except OSError as exc:
        raise ConfigError(f"{what} {str(path)!r} cannot be read ({exc}); {fix}") from exc
    return path


@dataclass(frozen=True)
class NetworkFile:
    """A SUMO scenario on disk: one network, its demand, extra files, and a time window."""

    net_file: Path
    route_files: tuple[Path, ...]
    additional_files: tuple[Path, ...] = ()
    begin: float = 0.0
    end: float = 3600.0
    name: str = field(default="")
    sumocfg: Optional[Path] = None  # when given: SUMO runs this file (-c) and every option in it

    def __post_init__(self) -> None:
        if self.sumocfg is not None:
            object.__setattr__(self, "sumocfg", Path(self.sumocfg).resolve())
        object.__setattr__(self, "net_file", Path(self.net_file).resolve())
        object.__setattr__(self, "route_files", tuple(Path(r).resolve() for r in self.route_files))
        object.__setattr__(self, "additional_files", tuple(Path(a).resolve() for a in self.additional_files))
        if not self.name:
            object.__setattr__(self, "name", self.net_file.name.split(".")[0])

    @classmethod
    def from_files(
        cls,
        net_file: PathLike,
        route_files: Union[PathLike, Sequence[PathLike]],
        additional_files: Sequence[PathLike] = (),
        begin: float = 0.0,
        end: float = 3600.0,
    ) -> "NetworkFile":
        routes = [route_files] if isinstance(route_files, (str, Path)) else list(route_files)
        return cls(Path(net_file), tuple(Path(r) for r in routes), tuple(Path(a) for a in additional_files), begin, end)

    @classmethod
    def from_sumocfg(cls, sumocfg: PathLike) -> "NetworkFile":
        """Read net, routes, additional files and begin/end from a .sumocfg; SUMO will run the file itself
        (``-c``), so its other options (routing, processing, teleports, vTypes...) apply too."""
        path = _check_file(Path(sumocfg), "sumocfg", "give the path of an existing .sumocfg file.")
        try:
            root = ET.parse(path).getroot()
        except ET.ParseError as exc:
            raise ConfigError(f"sumocfg {str(path)!r} is not valid XML ({exc}).") from exc

        def value(*names: str) -> Optional[str]:
            for name in names:
                node = root.find(f".//{name}")
                if node is not None and node.get("value"):
                    return node.get("value")
            return None

        def paths(raw: Optional[str]) -> tuple[Path, ...]:
            return tuple(path.parent / p.strip() for p in (raw or "").split(",") if p.strip())

        net = value("net-file", "n")
        if net is None:
            raise ConfigError(f"sumocfg {str(path)!r} names no <net-file>; add one or pass net_file=.")
        routes = paths(value("route-files", "r"))
        additional = paths(value("additional-files", "a"))
        if not routes and not any(a.is_file() and _has_demand(a) for a in additional):
            raise ConfigError(
                f"sumocfg {str(path)!r} names no <route-files> (nor demand in its additional files); "
                "add one or pass route_file=."
            )
        begin, end = value("begin", "b"), value("end", "e")
        return cls(
            path.parent / net,
            routes,
            additional,
            float(begin) if begin else 0.0,
            float(end) if end else 3600.0,
            path.stem,
            path,
        )

    def validate(self) -> "NetworkFile":
        """Check that every file exists and is readable and that the demand has vehicles."""
        _check_file(self.net_file, "net file", "give the path of an existing .net.xml file.")
        for route in self.route_files:
            _check_file(route, "route file", "give the path of an existing .rou.xml file.")
        for add in self.additional_files:
            _check_file(add, "additional file", "fix the path or drop it.")
        if not any(_has_demand(r) for r in self.route_files + self.additional_files):
            names = ", ".join(repr(str(r)) for r in self.route_files)
            raise ConfigError(
                f"route file(s) {names} define no vehicle, flow, trip or person; "
                "add demand (e.g. flowlights.networks.InFlows) or give another route file."
            )
        return self


def _has_demand(path: Path) -> bool:
    with open_xml(path) as fh:
        tail = b""
        while chunk := fh.read(1 << 20):
            if _DEMAND.search(tail + chunk):
                return True
            tail = chunk[-32:]
    return False


# scenario schemes other worlds add (``"cbengine:path/simulator.cfg"``): scheme -> a loader of the rest giving a
# NetworkFile; registered by the module that converts them (flowlights.networks.cbengine_network), which this one
# cannot import (it builds NetworkFiles)
SCENARIO_SCHEMES: dict[str, Callable[[str], "NetworkFile"]] = {}


def resolve_scenario(
    scenario: Optional[PathLike] = None,
    sumocfg: Optional[PathLike] = None,
    net_file: Optional[PathLike] = None,
    route_file: Union[None, PathLike, Sequence[PathLike]] = None,
    additional_files: Sequence[PathLike] = (),
) -> NetworkFile:
    """Turn the user's way of naming a scenario into a checked NetworkFile.

    ``scenario`` may be a bundled name (see ``bundled_scenarios()``), ``"resco:NAME"``,
    ``"cbengine:path/to/simulator.cfg"`` (a KDD Cup 2021 CBEngine scenario, converted once), a
    .sumocfg, or a folder holding exactly one .sumocfg; otherwise give ``sumocfg`` or ``net_file`` + ``route_file``.
    """
    given = [n for n, v in (("scenario", scenario), ("sumocfg", sumocfg), ("net_file", net_file)) if v is not None]
    if len(given) != 1:
        raise ConfigError(
            "name the scenario once: scenario='grid2x2' (bundled: "
            f"{', '.join(bundled_scenarios()) or 'none found'}), sumocfg='x.sumocfg', or "
            f"net_file='x.net.xml' with route_file='x.rou.xml' (got {', '.join(given) or 'none'})."
        )
    scheme = str(scenario).partition(":")[0] if scenario is not None else ""
    if scheme in SCENARIO_SCHEMES:  # e.g. cbengine: CBEngine's files converted to SUMO's (cached)
        if route_file is not None or additional_files:
            raise ConfigError(f"a {scheme}: scenario brings its own demand; drop route_file/additional_files.")
        return SCENARIO_SCHEMES[scheme](str(scenario)[len(scheme) + 1 :]).validate()
    if net_file is not None:
        if route_file is None:
            raise ConfigError(f"net_file={str(net_file)!r} needs route_file='x.rou.xml' with the demand.")
        net = NetworkFile.from_files(net_file, route_file, additional_files)
    else:
        cfg = Path(sumocfg) if sumocfg is not None else _find_sumocfg(scenario)
        net = NetworkFile.from_sumocfg(cfg)
        if route_file is not None or additional_files:
            extra = NetworkFile.from_files(net.net_file, route_file or net.route_files, additional_files)
            net = NetworkFile(
                net.net_file,
                extra.route_files,
                net.additional_files + extra.additional_files,
                net.begin,
                net.end,
                net.name,
                net.sumocfg,
            )
    return net.validate()


def _find_sumocfg(scenario: PathLike) -> Path:
    if str(scenario).startswith("resco:"):  # a RESCO scenario by name, wherever ../shared is
        scenario = resco_dir() / str(scenario)[len("resco:") :]
    path = Path(scenario)
    if path.suffix == ".sumocfg":
        return path
    if path.is_dir():
        cfgs = sorted(path.glob("*.sumocfg"))
        if len(cfgs) != 1:
            raise ConfigError(
                f"folder {str(path)!r} holds {len(cfgs)} .sumocfg files; it needs exactly one, or give sumocfg=."
            )
        return cfgs[0]
    bundled = bundled_dir("networks") / str(scenario) / f"{scenario}.sumocfg"
    if bundled.is_file():
        return bundled
    raise ConfigError(
        f"scenario {str(scenario)!r} is neither a bundled name ({', '.join(bundled_scenarios()) or 'none found'}), "
        "a .sumocfg file, nor a folder holding one."
    )


def scenario_keywords(value: str) -> dict[str, str]:
    """A scenario as the user names it (a bundled name, ``resco:NAME``, a folder or a .sumocfg) as make_env's
    keyword: ``{"sumocfg": path}`` or ``{"scenario": value}``."""
    return {"sumocfg": str(value)} if str(value).endswith(".sumocfg") else {"scenario": str(value)}
