"""Lock-ups: episodes in which the network stops moving.

The rule: an episode locks up when, for at least ``LOCKUP_SECONDS`` of simulated time, vehicles were in the network
at every decision and not one of them arrived (left the network). A network that merely runs empty, or one that is
slow but still delivers vehicles, does not count; a gridlock (with teleporting off, as RESCO and our protocols run
it, SUMO never clears one) does. Read once per decision from SUMO's own trip counter: no per-vehicle calls.
"""

from __future__ import annotations

from typing import Any, Optional

LOCKUP_SECONDS = 300.0


class LockupWatch:
    """Feed it ``update(api)`` at every decision; ``locked`` says whether the episode has locked up so far, and
    ``locked_at`` the simulated time the stalled stretch began."""

    def __init__(self, seconds: float = LOCKUP_SECONDS) -> None:
        self.seconds = seconds
        self.locked_at: Optional[float] = None
        self._arrived = -1
        self._stalled_since: Optional[float] = None

    @property
    def locked(self) -> bool:
        return self.locked_at is not None

    def update(self, api: Any) -> None:
        now = float(api.simulation.getTime())
        arrived = int(float(api.simulation.getParameter("", "device.tripinfo.vehicleTripStatistics.count") or 0))
        if api.vehicle.getIDCount() == 0 or arrived != self._arrived:
            self._arrived, self._stalled_since = arrived, None
            return
        if self._stalled_since is None:
            self._stalled_since = now
        elif self.locked_at is None and now - self._stalled_since >= self.seconds:
            self.locked_at = self._stalled_since
