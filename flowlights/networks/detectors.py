"""Camera-like sensors ("managers" in Regularflow): SUMO lane-area detectors (E2) on each incoming lane.

Either generated — one detector per incoming lane of the controlled lights, covering ``range_m`` metres
upstream of the stop line, continued onto the lanes before it while the road has a single
predecessor lane (SUMO's multi-lane E2 needs a continuous lane sequence) — or read from the user's own
additional file, each ``<laneAreaDetector>`` assigned to the incoming lane it ends on.
"""

from __future__ import annotations

import hashlib
import os
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from flowlights.errors import ConfigError
from flowlights.networks.network_file import open_xml
from flowlights.networks.topology import NetTopology

GENERATED_PREFIX = "flowlights_det_"


@dataclass(frozen=True)
class Detector:
    id: str
    lanes: tuple[str, ...]  # upstream first; the last is the light's incoming lane
    length: float  # metres covered


def plan_detectors(topology: NetTopology, lanes: Iterable[str], range_m: float) -> list[Detector]:
    """One detector per lane, ``range_m`` metres back from its end (or the whole chain when shorter)."""
    predecessors = topology.lane_predecessors()
    signalised = {j for j, kind in topology.junction_types.items() if "traffic_light" in kind}
    out = []
    for lane in dict.fromkeys(lanes):
        chain, covered = [lane], topology.lanes[lane].length
        while covered < range_m:
            first = chain[0]
            before = [p for p in predecessors.get(first, ()) if p in topology.lanes]
            if (
                len(before) != 1
                or before[0] in chain
                or topology.edge_ends[topology.lanes[first].edge][0] in signalised
            ):
                break
            chain.insert(0, before[0])
            covered += topology.lanes[before[0]].length
        out.append(Detector(GENERATED_PREFIX + lane, tuple(chain), min(covered, range_m)))
    return out


def write_detectors(detectors: list[Detector], topology: NetTopology, folder: Path) -> Path:
    """The additional file for ``detectors`` (cached by content in ``folder``)."""
    root = ET.Element("additional")
    for det in detectors:
        total = sum(topology.lanes[lane].length for lane in det.lanes)
        start = max(total - det.length, 0.0)  # position on the first lane where the covered stretch begins
        for lane in det.lanes[:-1]:
            if start < topology.lanes[lane].length:
                break
            start -= topology.lanes[lane].length
        attrs = {
            "id": det.id,
            "pos": f"{start:.2f}",
            "endPos": f"{topology.lanes[det.lanes[-1]].length:.2f}",
            "friendlyPos": "true",
            "period": "86400",
            "file": os.devnull,
        }
        attrs["lanes" if len(det.lanes) > 1 else "lane"] = " ".join(det.lanes)
        ET.SubElement(root, "laneAreaDetector", attrs)
    text = ET.tostring(root, encoding="unicode")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"detectors_{hashlib.sha1(text.encode()).hexdigest()[:12]}.add.xml"
    if not path.exists():
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(text)
        tmp.replace(path)
    return path


def read_detectors(path: Path, topology: NetTopology, incoming: Iterable[str]) -> list[Detector]:
    """The user's lane-area detectors that end on one of ``incoming`` lanes (others are not the lights')."""
    try:
        with open_xml(path) as fh:
            root = ET.parse(fh).getroot()
    except (OSError, ET.ParseError) as exc:
        raise ConfigError(
            f"detectors file {str(path)!r} cannot be read ({exc}); give an additional file with "
            "<laneAreaDetector> elements, or detectors='generate'."
        ) from exc
    wanted = set(incoming)
    out = []
    for node in root.iter():
        if node.tag not in ("laneAreaDetector", "e2Detector"):
            continue
        lanes = tuple((node.get("lanes") or node.get("lane") or "").split())
        if not lanes or lanes[-1] not in wanted:
            continue
        if node.get("length") is not None:
            length = float(node.get("length"))
        else:
            total = sum(topology.lanes[lane].length for lane in lanes if lane in topology.lanes)
            start = float(node.get("pos", 0.0))
            end = float(node.get("endPos", topology.lanes[lanes[-1]].length))
            last = topology.lanes[lanes[-1]].length
            end = end + last if end < 0 else end
            start = start + topology.lanes[lanes[0]].length if start < 0 else start
            length = max(total - start - (last - end), 0.1)
        out.append(Detector(node.get("id", ""), lanes, length))
    if not out:
        raise ConfigError(
            f"detectors file {str(path)!r} has no <laneAreaDetector> ending on an incoming lane of a "
            "controlled light; place detectors on those lanes, or use detectors='generate'."
        )
    return out
