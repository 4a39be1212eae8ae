"""What an evaluation episode did, written for ``flowlights movie`` (no GUI, no re-run needed).

Per episode (seed K) in the run's ``sumo/`` folder: ``fcd_seedK.xml`` (SUMO's floating-car data:
every vehicle's position, speed and lane at every step), ``tls_seedK.xml`` (SUMO's own record of
every light's state at every step), ``decisions_seedK.csv`` (time, light, action of each decision)
and ``record_seedK.json`` (the network file, each controlled light's links, the step length).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any


def record_args(workdir: Path, seed: int) -> list[str]:
    """SUMO options that write the episode's vehicles and light states into ``workdir``."""
    add = workdir / f"record_seed{seed}.add.xml"
    add.write_text(
        f'<additional>\n  <timedEvent type="SaveTLSStates" dest="{workdir / f"tls_seed{seed}.xml"}"/>\n</additional>\n'
    )
    return ["--fcd-output", str(workdir / f"fcd_seed{seed}.xml"), "--additional-files", str(add)]


class DecisionLog:
    """Collects (time, light, action) of every decision and writes them with the episode's metadata."""

    def __init__(self, workdir: Path, seed: int) -> None:
        self.workdir, self.seed = workdir, seed
        self.rows: list[tuple[float, str, int]] = []

    def add(self, time: float, actions: dict[str, Any]) -> None:
        self.rows.extend((time, light, int(action)) for light, action in sorted(actions.items()))

    def write(self, env: Any, controller: str) -> Path:
        with open(self.workdir / f"decisions_seed{self.seed}.csv", "w", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(("time", "light", "action"))
            writer.writerows((f"{t:g}", light, a) for t, light, a in self.rows)
        links = {
            t: [(i, pairs[0][0]) for i, pairs in sorted(env.topology.lights[t].links.items())] for t in env.controlled
        }
        meta = {
            "net_file": str(Path(env.scenario.net_file).resolve()),
            "links": links,
            "seed": self.seed,
            "step_length": env.sim_params.step_length,
            "controller": controller,
            "begin": env.sim.begin,
            "end": env.sim.end,
            "fcd": f"fcd_seed{self.seed}.xml",
            "tls": f"tls_seed{self.seed}.xml",
            "decisions": f"decisions_seed{self.seed}.csv",
        }
        path = self.workdir / f"record_seed{self.seed}.json"
        path.write_text(json.dumps(meta, indent=1))
        return path
