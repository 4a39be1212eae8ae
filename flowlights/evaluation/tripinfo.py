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


PEDESTRIAN_METRICS = ("ped_mean_wait", "ped_mean_time_loss", "ped_arrived")


def pedestrian_metrics(tripinfo: Path) -> dict[str, float]:
    """Walks that ended (SUMO's ``<personinfo>``): mean waiting time and time loss in s, and how many;
    empty when the episode had no pedestrians."""
    people = list(ET.parse(tripinfo).getroot().iter("personinfo"))
    walks = [w for p in people for w in p.iter("walk") if float(w.get("arrival", -1)) >= 0]
    if not people:
        return {}
    count = len(walks)
    return {
        "ped_mean_wait": sum(float(w.get("waitingTime", 0)) for w in walks) / count if count else float("nan"),
        "ped_mean_time_loss": sum(float(w.get("timeLoss", 0)) for w in walks) / count if count else float("nan"),
        "ped_arrived": count,
    }
