"""Metrics computed from SUMO's tripinfo output file, the way RESCO defines delay."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Sequence


def read_tripinfos(path: Path) -> list[dict[str, str]]:
    return [node.attrib for node in ET.parse(path).getroot().iter("tripinfo")]


def resco_delay(tripinfo: Path, never_departed_delays: Sequence[float]) -> float:
    """RESCO's average delay: per trip timeLoss + departDelay (unfinished trips included, as
    written with --tripinfo-output.write-unfinished), and for each vehicle that never departed
    the time from its scheduled departure to the end."""
    trips = read_tripinfos(tripinfo)
    total = sum(float(t["timeLoss"]) + float(t["departDelay"]) for t in trips) + float(sum(never_departed_delays))
    count = len(trips) + len(never_departed_delays)
    return total / count if count else 0.0
