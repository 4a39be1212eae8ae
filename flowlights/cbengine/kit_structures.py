"""The kit's road-network structures (``intersections``, ``roads``, ``agents``), as its ``process_roadnet`` builds
them: what the evaluation and the final round's RLlib env hand to an agent."""

from __future__ import annotations

from flowlights.networks.cbengine_formats import RoadNet


def kit_structures(net: RoadNet) -> tuple[dict, dict, dict]:
    """``intersections``, ``roads`` and ``agents`` exactly as the kit's ``process_roadnet`` builds them."""
    intersections = {
        i: {"have_signal": int(inter.has_signal), "end_roads": [], "start_roads": [], "lanes": []}
        for i, inter in net.intersections.items()
    }
    roads = {}
    for rid, road in net.roads.items():
        roads[rid] = {
            "start_inter": road.start,
            "end_inter": road.end,
            "length": road.length,
            "speed_limit": road.speed_limit,
            "num_lanes": len(road.lanes),
            "inverse_road": road.inverse,
            "lanes": {road.lane_id(i): list(turns) for i, turns in enumerate(road.lanes)},
        }
        intersections[road.end]["end_roads"].append(rid)
        intersections[road.start]["start_roads"].append(rid)
    agents = {sid: net.agent_roads(sid) for sid in net.signals}
    for sid, agent_roads in agents.items():
        intersections[sid]["lanes"] = [
            lane for r in agent_roads for lane in ([-1] * 3 if r == -1 else list(roads[r]["lanes"]))
        ]
    return intersections, roads, agents
