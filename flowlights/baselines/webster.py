"""Webster's fixed-time plan computed from the demand (Webster 1958).

Per light: each green's critical flow ratio y = max over its green approaches of
(approach flow per lane / 1800 veh/h); lost time L = greens x (yellow + all-red); cycle
C = (1.5 L + 5) / (1 - Y), bounded to [L + greens x min green, 180 s]; the effective green
C - L is split in proportion to y. Flows come from the scenario's routed demand.
"""

from __future__ import annotations

from flowlights.baselines.base import register_controller
from flowlights.baselines.simple import CycleController
from flowlights.envs.traffic_light_env import TrafficLightEnv
from flowlights.networks.demand_counts import edge_flows
from flowlights.signals.phases import GREEN

SATURATION_FLOW = 1800.0  # vehicles per hour per lane
MAX_CYCLE = 180.0


def webster_greens(ratios: list[float], lost_time: float, min_green: float) -> list[float]:
    """Green seconds per phase for the critical flow ratios ``ratios``."""
    n = len(ratios)
    total = min(sum(ratios), 0.9)
    cycle = (1.5 * lost_time + 5.0) / (1.0 - total)
    cycle = min(max(cycle, lost_time + n * min_green), MAX_CYCLE)
    effective = cycle - lost_time
    if sum(ratios) <= 0:
        return [max(min_green, effective / n)] * n
    return [max(min_green, effective * y / sum(ratios)) for y in ratios]


@register_controller("webster")
class WebsterPlan(CycleController):
    def green_times(self, env: TrafficLightEnv) -> dict[str, list[float]]:
        p = env.env_params
        flows = edge_flows(env.scenario, env.sim.begin, env.sim.end)
        lanes = env.topology.lanes
        plan = {}
        for tls in env.possible_agents:
            light, greens = env.topology.lights[tls], env.controller.machines[tls].greens
            lanes_per_edge: dict[str, int] = {}
            for lane in light.incoming_lanes:
                lanes_per_edge[lanes[lane].edge] = lanes_per_edge.get(lanes[lane].edge, 0) + 1
            ratios = []
            for state in greens:
                edges = {lanes[i].edge for idx, pairs in light.links.items() if state[idx] in GREEN for i, _ in pairs}
                ratios.append(
                    max((flows.get(e, 0.0) / lanes_per_edge[e] / SATURATION_FLOW for e in edges), default=0.0)
                )
            plan[tls] = webster_greens(ratios, len(greens) * (p.yellow + p.all_red), p.min_green)
        return plan
