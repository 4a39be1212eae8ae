"""Episode metrics from SUMO's own accounting (trip statistics, teleport counter), read once.

Nothing here polls vehicles: SUMO keeps running averages of finished trips when every vehicle has a tripinfo device
(``--device.tripinfo.probability 1``, which SumoSimulation always passes).
"""

from __future__ import annotations

from typing import Any

METRIC_NAMES = ("mean_travel_time", "mean_delay", "mean_waiting_time", "arrived", "in_network", "teleports", "sim_time")
# logged while training; in_network (vehicles still in the network at the episode end) shows a policy that holds
# traffic back, which the finished trips' delay alone hides
TRAINING_METRICS = ("mean_delay", "mean_travel_time", "mean_waiting_time", "arrived", "in_network", "teleports")


def episode_metrics(api: Any) -> dict[str, float]:
    """Mean travel time, delay (time loss) and waiting time of arrived vehicles; counts."""
    get = api.simulation.getParameter

    def number(key: str) -> float:  # NaN where SUMO does not keep the statistic (SUMO before 1.10)
        value = get("", key)
        return float(value) if value else float("nan")

    def trips(key: str) -> float:
        return number(f"device.tripinfo.vehicleTripStatistics.{key}")

    def whole(value: float) -> float:
        return int(value) if value == value else value

    metrics = {
        "mean_travel_time": trips("duration"),
        "mean_delay": trips("timeLoss"),
        "mean_waiting_time": trips("waitingTime"),
        "arrived": whole(trips("count")),
        "in_network": int(api.vehicle.getIDCount()),
        "teleports": whole(number("stats.teleports.total")),
        "sim_time": float(api.simulation.getTime()),
    }
    assert tuple(metrics) == METRIC_NAMES
    return metrics
