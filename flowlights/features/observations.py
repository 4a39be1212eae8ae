"""Observation features: a registry of named functions, each giving one block of a light's vector.

An observation is the concatenation of the features named in ``EnvParams.observation``.
Add your own with ``@register_observation("name", size=lambda view: ...)``; values must stay
within the declared [low, high] bounds. ``needs`` names the lane measurements it reads (see
``flowlights.sim.lanes``) so that only those are taken from SUMO; left out, it gets all but vehicle ids.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional, Sequence

import numpy as np

from flowlights.common.registry import Registry
from flowlights.errors import ConfigError
from flowlights.features.green_choice import CLEAR_HOLD_LIMIT, choose_green, hold_score
from flowlights.features.junction import VEHICLE_SPACE, JunctionView
from flowlights.sim.lanes import ALL_NEEDS, IDS, LaneMeasures, check_needs

FeatureFn = Callable[[JunctionView, LaneMeasures], np.ndarray]


@dataclass(frozen=True)
class Feature:
    name: str
    fn: FeatureFn
    size: Callable[[JunctionView], int]
    low: float
    high: float
    needs: frozenset[str] = ALL_NEEDS


OBSERVATIONS: Registry[Feature] = Registry("observation")


def register_observation(
    name: str,
    size: Callable[[JunctionView], int],
    low: float = 0.0,
    high: float = 1.0,
    needs: Optional[Sequence[str]] = None,
    needs_vehicle_ids: bool = False,
    override: bool = False,
) -> Callable[[FeatureFn], FeatureFn]:
    """Decorator adding a feature to the registry under ``name`` (``override=True`` replaces one)."""
    declared = ALL_NEEDS if needs is None else check_needs(needs, f"observation {name!r}")
    if needs_vehicle_ids:
        declared |= {IDS}
    add = OBSERVATIONS.register(name, override)

    def wrap(fn: FeatureFn) -> FeatureFn:
        add(Feature(name, fn, size, low, high, declared))
        return fn

    return wrap


def get_features(names: Sequence[str]) -> list[Feature]:
    return [OBSERVATIONS.get_or_fail(n) for n in names]


def _one_hot(index: int, width: int) -> np.ndarray:
    out = np.zeros(width)
    if 0 <= index < width:
        out[index] = 1.0
    return out


@register_observation("phase", size=lambda v: v.n_greens, needs=())
def phase(view: JunctionView, m: LaneMeasures) -> np.ndarray:
    """One-hot of the current green (the one being left during a transition)."""
    return _one_hot(view.machine.green, view.n_greens)


@register_observation("min_green", size=lambda v: 1, needs=())
def min_green(view: JunctionView, m: LaneMeasures) -> np.ndarray:
    """1 once the current green has lasted its minimum (a switch is allowed)."""
    return np.array([1.0 if view.machine.can_switch else 0.0])


@register_observation("time_in_phase", size=lambda v: 1, needs=())
def time_in_phase(view: JunctionView, m: LaneMeasures) -> np.ndarray:
    """Time in the current green over max green (or 120 s when unbounded), capped at 1."""
    timing = view.machine.timing
    cap = timing.max_green if timing.max_green else 120.0 / view.step_length
    return np.array([min(view.machine.green_steps / cap, 1.0)])


@register_observation("density", size=lambda v: len(v.in_idx), needs=("count",))
def density(view: JunctionView, m: LaneMeasures) -> np.ndarray:
    """Vehicles on each incoming lane over the lane's capacity."""
    return np.minimum(m.count[view.in_idx] / view.in_capacity, 1.0)


@register_observation("queue", size=lambda v: len(v.in_idx), needs=("halting",))
def queue(view: JunctionView, m: LaneMeasures) -> np.ndarray:
    """Halting vehicles on each incoming lane over the lane's capacity."""
    return np.minimum(m.halting[view.in_idx] / view.in_capacity, 1.0)


@register_observation("speed", size=lambda v: len(v.in_idx), needs=("speed",))
def speed(view: JunctionView, m: LaneMeasures) -> np.ndarray:
    """Mean speed on each incoming lane over its limit (1 on an empty lane)."""
    return np.clip(m.speed[view.in_idx] / view.in_speed_limit, 0.0, 1.0)


@register_observation("pressure", size=lambda v: len(v.move_in), low=-1.0, needs=("count", "outgoing"))
def pressure(view: JunctionView, m: LaneMeasures) -> np.ndarray:
    """Per movement: fill of its incoming lane minus fill of its outgoing lane."""
    fill_in = m.count[view.move_in] / view.in_capacity[view.move_in_pos]
    fill_out = m.count[view.move_out] / view.out_capacity[view.move_out_pos]
    return np.clip(fill_in - fill_out, -1.0, 1.0)


def _zone_capacity(view: JunctionView) -> float:
    """Vehicles a detection zone holds per lane (its range over the space a queued vehicle takes)."""
    return max(view.detection_distance / VEHICLE_SPACE, 1.0)


@register_observation("zone_queue", size=lambda v: len(v.in_idx), needs=("zone",))
def zone_queue(view: JunctionView, m: LaneMeasures) -> np.ndarray:
    """Per incoming lane: vehicles that have waited within the detection range of its stop line
    (upstream lanes included: RESCO's queue) over what the range holds."""
    return np.minimum(m.zone_queued[view.in_idx] / _zone_capacity(view), 1.0)


@register_observation("zone_approach", size=lambda v: len(v.in_idx), needs=("zone",))
def zone_approach(view: JunctionView, m: LaneMeasures) -> np.ndarray:
    """Per incoming lane: moving vehicles that have not waited, within the detection range (RESCO's approach)."""
    return np.minimum((m.zone_near[view.in_idx] - m.zone_queued[view.in_idx]) / _zone_capacity(view), 1.0)


def _green_scale(view: JunctionView) -> float:
    """What the widest green's incoming lanes hold within the detection range: per-green sums are read over it."""
    return _zone_capacity(view) * max(float(view.green_lanes.sum(axis=1).max(initial=0.0)), 1.0)


@register_observation("green_demand", size=lambda v: v.n_greens, needs=("zone",))
def green_demand(view: JunctionView, m: LaneMeasures) -> np.ndarray:
    """Per green: the vehicles, queued and approaching, within the detection range of the incoming lanes it lets go
    — what greedy (RESCO's MAXWAVE) compares — over what the widest green's lanes hold, capped at 1. Summed per
    green here, a policy shared by lights of different layouts need not learn which lane each green serves."""
    return np.minimum(view.green_lanes @ np.nan_to_num(m.zone_near[view.in_idx]) / _green_scale(view), 1.0)


@register_observation("green_spillback", size=lambda v: v.n_greens, needs=("zone", "count", "outgoing"))
def green_spillback(view: JunctionView, m: LaneMeasures) -> np.ndarray:
    """Per green: the vehicles within the detection range of the movements it serves whose exit is full (a lane
    they lead into holds ``lane_room`` vehicles: let go, they would stop inside the junction and block the
    crossing traffic — spill-back), on the scale of ``green_demand``, capped at 1. What ``greedy_spillback``
    counts against a green."""
    blocked, near = _movement_spillback(view, m)
    return np.minimum(view.served @ (blocked * near) / _green_scale(view), 1.0)


def _movement_spillback(view: JunctionView, m: LaneMeasures) -> tuple[np.ndarray, np.ndarray]:
    """Per movement: whether a lane it leads into is full (``lane_room``), and its vehicles within range."""
    blocked = (view.movement_exits @ (m.count[view.out_idx] >= view.out_room)) > 0
    return blocked, _movement_zone(view, m.zone_near)


def _movement_zone(view: JunctionView, counts: np.ndarray) -> np.ndarray:
    """Per movement: a zone count (``zone_near`` or ``zone_queued``) summed over its incoming lanes."""
    return view.movement_lanes @ np.nan_to_num(counts[view.in_idx])


def _green_scores(view: JunctionView, movement_scores: np.ndarray) -> np.ndarray:
    """Per green: the sum of the movement scores it serves — a controller's own score of each green (a lane shared
    by two movements counts for each, as the controllers count it) — over what the widest green's movements' lanes
    hold within the detection range, within [-1, 1]. A policy that sees a controller's scores can copy its choice
    (the largest; a tie keeps the current green) without rebuilding them from per-lane counts."""
    return np.clip(view.served @ movement_scores / (_zone_capacity(view) * view.widest_movement_lanes), -1.0, 1.0)


@register_observation("green_spillback_score", size=lambda v: v.n_greens, low=-1.0, needs=("zone", "count", "outgoing"))
def green_spillback_score(view: JunctionView, m: LaneMeasures) -> np.ndarray:
    """Per green: ``greedy_spillback``'s score of it — over the movements it serves, their vehicles within range,
    counted against the green where the movement's exit is full (``_green_scores``' scale)."""
    return _green_scores(view, _movement_spillback_score(view, m))


@register_observation("green_score", size=lambda v: v.n_greens, needs=("zone",))
def green_score(view: JunctionView, m: LaneMeasures) -> np.ndarray:
    """Per green: greedy's score (RESCO's MAXWAVE) — the vehicles within range on the movements it serves."""
    return _green_scores(view, _movement_near(view, m))


@register_observation("green_pressure", size=lambda v: v.n_greens, low=-1.0, needs=("zone",))
def green_pressure(view: JunctionView, m: LaneMeasures) -> np.ndarray:
    """Per green: max-pressure's score — over the movements it serves, the vehicles queued within range on their
    incoming lanes less those queued on the lanes they feed at the next controlled light."""
    return _green_scores(view, _movement_pressure(view, m))


@register_observation("green_approach", size=lambda v: v.n_greens, needs=("zone",))
def green_approach(view: JunctionView, m: LaneMeasures) -> np.ndarray:
    """Per green: the gap-out controllers' hold score — moving vehicles (not yet queued) within range on the
    movements it serves; they hold the current green while it is at least one vehicle."""
    return _green_scores(view, _movement_moving(view, m))


def _movement_pressure(view: JunctionView, m: LaneMeasures) -> np.ndarray:
    """Per movement: max-pressure's score — vehicles queued within range on its incoming lanes less those queued on
    the lanes it feeds at the next controlled light."""
    fed = view.movement_fed @ np.nan_to_num(m.zone_queued[view.fed_idx]) if len(view.fed_idx) else 0.0
    return _movement_zone(view, m.zone_queued) - fed


def _movement_near(view: JunctionView, m: LaneMeasures) -> np.ndarray:
    """Per movement: all vehicles within range — greedy's score, and greedy_clear's hold."""
    return _movement_zone(view, m.zone_near)


def _movement_moving(view: JunctionView, m: LaneMeasures) -> np.ndarray:
    """Per movement: moving vehicles (not yet queued) within range — the gap-out controllers' extension."""
    return _movement_zone(view, m.zone_near - m.zone_queued)


def _movement_spillback_score(view: JunctionView, m: LaneMeasures) -> np.ndarray:
    blocked, near = _movement_spillback(view, m)
    return np.where(blocked, -near, near)


# controller -> (its movement score, its gap-out extension or None, its hold limit in seconds of green or None): the
# rule each applies (``choose_green``)
CHOICE_RULES: dict[
    str, tuple[Callable[[JunctionView, LaneMeasures], np.ndarray], Optional[FeatureFn], Optional[float]]
] = {
    "greedy": (_movement_near, None, None),
    "greedy_gap": (_movement_near, _movement_moving, None),
    "greedy_clear": (_movement_near, _movement_near, CLEAR_HOLD_LIMIT),
    "greedy_spillback": (_movement_spillback_score, None, None),
    "max_pressure": (_movement_pressure, None, None),
    "max_pressure_gap": (_movement_pressure, _movement_moving, None),
}


def _register_choice(controller: str) -> None:
    score, extension, hold_limit = CHOICE_RULES[controller]

    def choice(view: JunctionView, m: LaneMeasures) -> np.ndarray:
        green = view.machine.green
        hold = None
        if extension is not None:
            in_green = view.machine.time_in_green(view.step_length)
            hold = hold_score(float(view.served[green] @ extension(view, m)), in_green, hold_limit)
        return _one_hot(choose_green(view.served @ score(view, m), green, view.machine.can_switch, hold), view.n_greens)

    choice.__doc__ = (
        f"One-hot of the green ``{controller}`` would show next, by its own rule on the same counts over the "
        "env's detection range (``choose_green``): a policy that observes it can copy the controller exactly "
        "and learn where to differ from it."
    )
    needs = ("zone", "count", "outgoing") if controller.endswith("spillback") else ("zone",)
    register_observation(f"choice_{controller}", size=lambda v: v.n_greens, needs=needs)(choice)


for _controller in CHOICE_RULES:
    _register_choice(_controller)


def prior_feature(controller: str) -> Feature:
    """The ``choice_<controller>`` feature behind ``EnvParams(action_prior=controller)``: the controller's choice,
    one-hot over the greens, that comes with each observation as ``action_prior``."""
    if controller not in CHOICE_RULES:
        raise ConfigError(
            f"action_prior={controller!r}: only a controller whose rule the env can apply to any state can be a "
            f"prior; use one of {', '.join(CHOICE_RULES)}."
        )
    return OBSERVATIONS.get_or_fail(f"choice_{controller}")


@register_observation("held_back", size=lambda v: len(v.in_idx), needs=("held_back",))
def held_back(view: JunctionView, m: LaneMeasures) -> np.ndarray:
    """Per incoming lane: vehicles due to depart but kept out of the network whose route reaches this light first
    (spread over the lanes of the road they come by), over what the detection range holds, capped at 1."""
    return np.minimum(m.held_back[view.in_idx] / _zone_capacity(view), 1.0)


ZONE_WAIT_SCALE = 60.0  # seconds: a full zone whose vehicles have all waited this long reads 1


@register_observation("zone_wait", size=lambda v: len(v.in_idx), needs=("zone",))
def zone_wait(view: JunctionView, m: LaneMeasures) -> np.ndarray:
    """Per incoming lane: the seconds its queued vehicles have waited within the detection range (RESCO's
    total_wait), over a full zone waiting a minute, capped at 1 — a movement kept red shows here as it grows."""
    return np.minimum(m.zone_wait[view.in_idx] / (_zone_capacity(view) * ZONE_WAIT_SCALE), 1.0)


@register_observation("detector_count", size=lambda v: len(v.in_idx), needs=("detector",))
def detector_count(view: JunctionView, m: LaneMeasures) -> np.ndarray:
    """Per incoming lane: vehicles its lane-area detector sees over what the detector holds (0 without one)."""
    return np.minimum(np.nan_to_num(m.detector_count[view.in_idx]) / view.detector_capacity, 1.0)


@register_observation("detector_queue", size=lambda v: len(v.in_idx), needs=("detector",))
def detector_queue(view: JunctionView, m: LaneMeasures) -> np.ndarray:
    """Per incoming lane: halting vehicles its lane-area detector sees over what the detector holds."""
    return np.minimum(np.nan_to_num(m.detector_halting[view.in_idx]) / view.detector_capacity, 1.0)


PEDESTRIAN_CAPACITY = 10.0  # persons waiting at one corner that fill the observation


@register_observation("pedestrians", size=lambda v: len(v.walk_idx), needs=("pedestrians",))
def pedestrians(view: JunctionView, m: LaneMeasures) -> np.ndarray:
    """Per walking area of the light (a corner where people wait for its crossings): persons waiting
    there over 10 (capped at 1)."""
    return np.minimum(m.pedestrians_waiting[view.walk_idx] / PEDESTRIAN_CAPACITY, 1.0)


@register_observation("neighbours", size=lambda v: v.max_neighbours * v.max_greens, needs=())
def neighbours(view: JunctionView, m: LaneMeasures) -> np.ndarray:
    """The nearest lights' current greens, one-hot each, padded to a fixed width."""
    blocks = [_one_hot(n.green, view.max_greens) for n in view.neighbours[: view.max_neighbours]]
    blocks += [np.zeros(view.max_greens)] * (view.max_neighbours - len(blocks))
    return np.concatenate(blocks)


def cluster_status(view: JunctionView, m: LaneMeasures, max_greens: int) -> np.ndarray:
    """What a light tells its cluster peers: its current green (one-hot over ``max_greens``) and its
    queue fill (halting vehicles on its incoming lanes over their capacity, at most 1)."""
    return np.append(
        _one_hot(view.machine.green, max_greens), min(m.halting[view.in_idx].sum() / view.in_capacity.sum(), 1.0)
    )


@register_observation("cluster", size=lambda v: v.max_peers * (v.max_greens + 1), needs=("halting",))
def cluster(view: JunctionView, m: LaneMeasures) -> np.ndarray:
    """Each cluster peer's status (``cluster_status``: its green one-hot and queue fill), padded to the
    largest cluster; zeros outside any cluster."""
    blocks = [cluster_status(p, m, view.max_greens) for p in view.peers[: view.max_peers]]
    blocks += [np.zeros(view.max_greens + 1)] * (view.max_peers - len(blocks))
    return np.concatenate(blocks) if blocks else np.zeros(0)


@register_observation("nearest_vehicles", size=lambda v: 2 * v.nearest_k * len(v.in_idx), needs=("ids",))
def nearest_vehicles(view: JunctionView, m: LaneMeasures) -> np.ndarray:
    """Flow's features: per incoming lane, the k vehicles nearest the stop line — their
    distance to it over the lane length and their speed over the limit (1, 0 when absent)."""
    k = view.nearest_k
    out = np.zeros((len(view.in_idx), 2, k))
    out[:, 0, :] = 1.0
    vehicle = m.api.vehicle
    assert m.ids is not None
    for row, lane in enumerate(view.in_idx):
        ids = m.ids[lane][-k:][::-1]  # SUMO lists a lane's vehicles from its start to its end
        for j, vid in enumerate(ids):
            length, limit = view.in_length[row], view.in_speed_limit[row]
            out[row, 0, j] = min(max((length - vehicle.getLanePosition(vid)) / length, 0.0), 1.0)
            out[row, 1, j] = min(max(vehicle.getSpeed(vid) / limit, 0.0), 1.0)
    return out.reshape(-1)
