"""Reward functions: a registry of named functions giving one light's reward for one decision.

Each takes the light's JunctionView, the current LaneMeasures and a per-light ``memory`` dict
that persists over the episode (for rewards defined as changes). Add your own with
``@register_reward("name", needs=[...])`` (``needs``: the lane measurements it reads, see
``flowlights.sim.lanes``; left out, all but vehicle ids). ``EnvParams.neighbor_weight`` mixes in the
neighbours' mean.
"""

from __future__ import annotations

from typing import Callable, Optional, Sequence

import numpy as np

from flowlights.common.registry import Registry
from flowlights.features.junction import JunctionView
from flowlights.sim.lanes import ALL_NEEDS, LaneMeasures, check_needs

RewardFn = Callable[[JunctionView, LaneMeasures, dict], float]
REWARDS: Registry[RewardFn] = Registry("reward")
REWARD_NEEDS: dict[str, frozenset[str]] = {}
get_reward = REWARDS.get_or_fail


CHANGE_REWARDS: set[str] = set()  # rewards measuring a change since the last call (not a level per delta_time)


def register_reward(
    name: str, needs: Optional[Sequence[str]] = None, override: bool = False, change: bool = False
) -> Callable[[RewardFn], RewardFn]:
    """Decorator adding a reward under ``name``, with the lane measurements it reads (``override=True``
    replaces one already registered). ``change``: it measures what changed since its last call (its
    memory), so event-driven decisions add it up as it is, not weighted by time."""
    add = REWARDS.register(name, override)
    REWARD_NEEDS[name] = ALL_NEEDS if needs is None else check_needs(needs, f"reward {name!r}")
    (CHANGE_REWARDS.add if change else CHANGE_REWARDS.discard)(name)
    return add


def reward_needs(name: str) -> frozenset[str]:
    return REWARD_NEEDS.get(name, ALL_NEEDS)


@register_reward("queue", needs=("halting",))
def queue(view: JunctionView, m: LaneMeasures, memory: dict) -> float:
    """Minus the number of halting vehicles on the incoming lanes."""
    return -float(m.halting[view.in_idx].sum())


@register_reward("zone_queue", needs=("zone",))
def zone_queue(view: JunctionView, m: LaneMeasures, memory: dict) -> float:
    """Minus the vehicles queued within the detection range of the light's stop lines (upstream lanes included)."""
    return -float(m.zone_queued[view.in_idx].sum())


@register_reward("zone_queue_held", needs=("zone", "held_back"))
def zone_queue_held(view: JunctionView, m: LaneMeasures, memory: dict) -> float:
    """Minus (the vehicles queued within the detection range + those held back outside the network whose route
    reaches this light first): a light that keeps traffic out pays for it as for a queue."""
    return zone_queue(view, m, memory) - float(m.held_back[view.in_idx].sum())


RESCO_WAIT_SCALE = 224.0  # seconds: RESCO's wait_norm divides the total wait by this


@register_reward("zone_wait", needs=("zone",))
def zone_wait(view: JunctionView, m: LaneMeasures, memory: dict) -> float:
    """Minus the seconds the vehicles queued within the detection range have waited there, over 224 s (RESCO's
    ``wait_norm``, which IDQN learns on; without its clip at -4, so a lane that locks up keeps costing more)."""
    return -float(m.zone_wait[view.in_idx].sum()) / RESCO_WAIT_SCALE


@register_reward("detector_queue", needs=("detector",))
def detector_queue(view: JunctionView, m: LaneMeasures, memory: dict) -> float:
    """Minus the halting vehicles the light's lane-area detectors see (EnvParams.detectors)."""
    return -float(np.nansum(m.detector_halting[view.in_idx]))


@register_reward("pedestrian_wait", needs=("pedestrians",))
def pedestrian_wait(view: JunctionView, m: LaneMeasures, memory: dict) -> float:
    """Minus the persons waiting at the light's crossings."""
    return -float(m.pedestrians_waiting[view.walk_idx].sum())


@register_reward("queue_pedestrians", needs=("halting", "pedestrians"))
def queue_pedestrians(view: JunctionView, m: LaneMeasures, memory: dict) -> float:
    """Minus (halting vehicles on the incoming roads + pedestrian_weight x persons waiting at the crossings)."""
    vehicles = float(m.halting[view.in_idx[view.vehicle_pos]].sum())
    return -(vehicles + view.pedestrian_weight * float(m.pedestrians_waiting[view.walk_idx].sum()))


@register_reward("wait", needs=("waiting",), change=True)
def wait(view: JunctionView, m: LaneMeasures, memory: dict) -> float:
    """Decrease of the total waiting time on the incoming lanes since the last decision (sumo-rl's default)."""
    now = float(m.waiting[view.in_idx].sum()) / 100.0
    before = memory.get("wait", now)
    memory["wait"] = now
    return before - now


@register_reward("delay", needs=("count", "speed"))
def delay(view: JunctionView, m: LaneMeasures, memory: dict) -> float:
    """Minus the delay rate: vehicles times (1 - speed / limit) summed over the incoming lanes."""
    lanes = view.in_idx
    loss = m.count[lanes] * (1.0 - np.clip(m.speed[lanes] / view.in_speed_limit, 0.0, 1.0))
    return -float(loss.sum())


@register_reward("delay_held", needs=("count", "speed", "held_back"))
def delay_held(view: JunctionView, m: LaneMeasures, memory: dict) -> float:
    """Minus (the delay rate on the incoming lanes + the vehicles held back outside the network on the light their
    route reaches first): the rate at which RESCO's delay grows here — time lost on the way, and the depart delay
    of those kept out."""
    return delay(view, m, memory) - float(m.held_back[view.in_idx].sum())


@register_reward("pressure", needs=("count", "outgoing"))
def pressure(view: JunctionView, m: LaneMeasures, memory: dict) -> float:
    """Minus |vehicles on incoming lanes - vehicles on outgoing lanes| (max-pressure's quantity)."""
    return -abs(float(m.count[view.in_idx].sum() - m.count[view.out_idx].sum()))


@register_reward("throughput", needs=("ids",), change=True)
def throughput(view: JunctionView, m: LaneMeasures, memory: dict) -> float:
    """Vehicles that left the incoming lanes since the last decision (seen on them then, not now)."""
    assert m.ids is not None
    now = {vid for lane in view.in_idx for vid in m.ids[lane]}
    before = memory.get("ids", now)
    memory["ids"] = now
    return float(len(before - now))
