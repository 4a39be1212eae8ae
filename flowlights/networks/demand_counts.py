"""Expected vehicles per hour on every edge in a time window, from the scenario's demand.

Trips and flows without full routes are routed by SUMO's duarouter first (cached), so any
route file works; used by demand-based plans such as Webster's.
"""

from __future__ import annotations

import hashlib
import subprocess
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path

from flowlights.common.cache import cache_dir
from flowlights.errors import ConfigError
from flowlights.networks.network_file import NetworkFile, open_xml
from flowlights.sim.sumo_home import sumo_binary


def routed_demand(scenario: NetworkFile) -> Path:
    """The scenario's demand with every vehicle and flow routed (duarouter, cached by content)."""
    digest = hashlib.sha1()
    for path in (scenario.net_file, *scenario.route_files):
        digest.update(str(path).encode())
        digest.update(str(path.stat().st_mtime_ns).encode())
    out = cache_dir() / "routed" / f"{scenario.name}-{digest.hexdigest()[:12]}.rou.xml"
    if out.is_file():
        return out
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp.xml")
    cmd = [
        sumo_binary("duarouter"),
        "-n",
        str(scenario.net_file),
        "-r",
        ",".join(map(str, scenario.route_files)),
        "-o",
        str(tmp),
        "--ignore-errors",
        "true",
        "--no-warnings",
        "true",
        "--no-step-log",
        "true",
        "--write-trips",
        "false",
    ]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0 or not tmp.is_file():
        raise ConfigError(f"duarouter could not route the demand of {scenario.name}: {done.stderr.strip()[-400:]}")
    tmp.replace(out)
    return out


def _overlap(a0: float, a1: float, b0: float, b1: float) -> float:
    return max(0.0, min(a1, b1) - max(a0, b0))


def edge_flows(scenario: NetworkFile, begin: float, end: float) -> dict[str, float]:
    """{edge id: expected vehicles per hour} over [begin, end)."""
    routes: dict[str, list[str]] = {}
    counts: dict[str, float] = defaultdict(float)
    with open_xml(routed_demand(scenario)) as fh:
        root = ET.parse(fh).getroot()
    for node in root.iter("route"):
        if node.get("id"):
            routes[node.get("id")] = node.get("edges", "").split()

    def edges_of(node: ET.Element) -> list[str]:
        inner = node.find("route")
        if inner is not None:
            return inner.get("edges", "").split()
        return routes.get(node.get("route", ""), [])

    for vehicle in root.iter("vehicle"):
        try:
            depart = float(vehicle.get("depart", "nan"))
        except ValueError:
            continue
        if begin <= depart < end:
            for edge in edges_of(vehicle):
                counts[edge] += 1.0
    for flow in root.iter("flow"):
        f0, f1 = float(flow.get("begin", 0)), float(flow.get("end", end))
        span = _overlap(f0, f1, begin, end)
        if span <= 0:
            continue
        if flow.get("vehsPerHour"):
            n = float(flow.get("vehsPerHour")) * span / 3600.0
        elif flow.get("period", "").startswith("exp("):  # exponential gaps with this rate per second
            n = span * float(flow.get("period")[4:-1])
        elif flow.get("period"):
            n = span / float(flow.get("period"))
        elif flow.get("probability"):
            n = span * float(flow.get("probability"))
        else:
            n = float(flow.get("number", 0)) * span / max(f1 - f0, 1e-9)
        for edge in edges_of(flow):
            counts[edge] += n
    hours = (end - begin) / 3600.0
    return {edge: n / hours for edge, n in counts.items()}
