"""Episode metrics equal what SUMO's tripinfo output says, computed independently here."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

import flowlights
from conftest import run_random_episode


@pytest.mark.parametrize("backend", ["libsumo", "traci"])
def test_metrics_match_tripinfo_output(tmp_path, backend):
    tripinfo = tmp_path / "tripinfo.xml"
    statistics = tmp_path / "statistics.xml"
    env = flowlights.parallel_env(
        scenario="grid2x2",
        end=600,
        backend=backend,
        tripinfo_output=str(tripinfo),
        time_to_teleport=60,
        sumo_args=["--statistic-output", str(statistics)],
    )
    try:
        run_random_episode(env, seed=5)
        metrics = env.metrics()
        in_network = env.sim.api.vehicle.getIDCount()
    finally:
        env.close()
    trips = [t.attrib for t in ET.parse(tripinfo).getroot().iter("tripinfo")]
    assert len(trips) == metrics["arrived"] > 100
    mean = lambda key: sum(float(t[key]) for t in trips) / len(trips)  # noqa: E731
    assert metrics["mean_travel_time"] == pytest.approx(mean("duration"), abs=0.01)
    assert metrics["mean_delay"] == pytest.approx(mean("timeLoss"), abs=0.01)
    assert metrics["mean_waiting_time"] == pytest.approx(mean("waitingTime"), abs=0.01)
    assert metrics["in_network"] == in_network
    teleports = int(ET.parse(statistics).getroot().find("teleports").get("total"))  # SUMO's own end-of-run count
    assert metrics["teleports"] == teleports and metrics["sim_time"] == 600
