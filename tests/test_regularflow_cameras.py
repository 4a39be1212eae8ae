"""Regularflow's cameras read from SUMO: cars halting per approach add up to the halting vehicles on the light's
roads, and pedestrians are counted for the road their next crossing spans — every person standing at a corner
before a crossing, once."""

from __future__ import annotations

import numpy as np

from flowlights.envs.factory import make_env
from flowlights.networks.grid import write_grid_scenario
from flowlights.regularflow.cameras import Cameras
from flowlights.sim.pedestrians import STANDING


def test_cars_and_pedestrians_per_approach(tmp_path):
    cfg = write_grid_scenario(tmp_path / "walk", 1, 1, vehs_per_hour=300, end=400, pedestrians_per_hour=900)
    env = make_env(sumocfg=str(cfg), end=400, measures=["halting"])
    try:
        env.reset(seed=0)
        tls = env.possible_agents[0]
        cameras = Cameras(env, tls)
        assert len(cameras.approaches) == 4 and all(cameras.crossings[r] for r in cameras.approaches)
        seen_people = seen_cars = 0
        while env.agents:
            env.step({a: 0 for a in env.agents})
            if not env.agents:
                break
            reading = cameras.read(env)
            rows = [r for rows in cameras.rows.values() for r in rows]
            assert sum(reading["cars"]) == int(np.nan_to_num(env.measures.halting)[rows].sum())
            api = env.sim.api
            before_crossing = sum(
                1
                for area in cameras.areas
                for p in api.edge.getLastStepPersonIDs(area)
                if api.person.getSpeed(p) < STANDING
                and any(api.person.getNextEdge(p) in c for c in cameras.crossings.values())
            )
            assert sum(reading["pedestrians"]) == before_crossing
            seen_people += sum(reading["pedestrians"])
            seen_cars += sum(reading["cars"])
        assert seen_people > 0 and seen_cars > 0, "people waited to cross and cars queued (one green held)"
    finally:
        env.close()
