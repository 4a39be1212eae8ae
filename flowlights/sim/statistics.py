"""Episode metrics from SUMO's own accounting (trip statistics, teleport counter), read once.

Nothing here polls vehicles: SUMO keeps running averages of finished trips when every vehicle has a tripinfo device
(``--device.tripinfo.probability 1``, which SumoSimulation always passes).
"""
from __future__ import annotations

from typing import Any

METRIC_NAMES = ("mean_travel_time", "mean_delay", "mean_waiting_time", "arrived", "in_network", "teleports", "sim_time")


def episode_metrics(api: Any) -> dict[str, float]:
    """Mean travel time, delay (time loss) and waiting time of arrived vehicles; counts."""
    get = api.simulation.getParameter

    def trips(key: str) -> float:
        return float(get("", f"device.tripinfo.vehicleTripStatistics.{key}"))

    return {
        "mean_travel_time": trips("duration"),
        "mean_delay": trips("timeLoss"),
        "mean_waiting_time": trips("waitingTime"),
        "arrived": int(trips("count")),
        "in_network": int(api.vehicle.getIDCount()),
        "teleports": int(float(get("", "stats.teleports.total"))),
        "sim_time": float(api.simulation.getTime()),
    }
