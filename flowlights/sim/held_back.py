"""Vehicles held back outside the network: due to depart but not yet inserted (SUMO's pending vehicles, kept out
because the road they start on is full). Each is counted on the first controlled light its route reaches, spread
over the lanes of the road by which it reaches it — where a detector further up that road would see the queue that
keeps it out. RESCO's delay counts their wait; a reward that does not see them lets a light hold traffic back.
"""

from __future__ import annotations

from typing import Any, Mapping, Optional, Sequence

import numpy as np


class HeldBackCounter:
    """Reads the held-back vehicles per watched lane (call ``reset`` per episode).

    ``entries``: edge id -> the rows (watched-lane indices) of its lanes that enter a controlled light;
    ``n_rows``: how many watched lanes there are."""

    def __init__(self, entries: Mapping[str, Sequence[int]], n_rows: int) -> None:
        self.entries = {edge: list(rows) for edge, rows in entries.items() if rows}
        self.n_rows = n_rows
        self._entry_of: dict[str, Optional[str]] = {}  # pending vehicle -> the entry edge its route reaches first

    def reset(self) -> None:
        self._entry_of = {}

    def read(self, api: Any) -> np.ndarray:
        """Held-back vehicles per watched lane (fractional: a vehicle counts 1 / lanes over its entry road's lanes)."""
        held = np.zeros(self.n_rows)
        entry_of: dict[str, Optional[str]] = {}
        for vid in api.simulation.getPendingVehicles():
            if vid in self._entry_of:
                edge = self._entry_of[vid]
            else:
                edge = next((e for e in api.vehicle.getRoute(vid) if e in self.entries), None)
            entry_of[vid] = edge
            if edge is not None:
                rows = self.entries[edge]
                held[rows] += 1.0 / len(rows)
        self._entry_of = entry_of  # a pending vehicle's route is fixed until it departs; forget the departed
        return held
