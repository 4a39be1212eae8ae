"""Flow's ``flow.core.params`` names, translated onto flowlights' own params (one home for each setting).

``SumoParams(sim_step=1, render=False, ...)`` and ``EnvParams(horizon=400, additional_params=...)``
take Flow's keywords with Flow's defaults and meaning, and flowlights' own keywords too; they return
``flowlights.params.SumoParams`` / ``EnvParams``. A Flow option with no meaning here is accepted
with one warning naming it; a name neither knows is a ConfigError; a setting given under both
names with different values is a ConfigError naming both. See docs/migrating-from-flow.md.
"""

from __future__ import annotations

import dataclasses
import warnings
from pathlib import Path
from typing import Any

from flowlights import params as own
from flowlights.errors import ConfigError
from flowlights.flow import controllers
from flowlights.flow.kernel.vehicle import SPEED_MODES, VehicleSpec
from flowlights.networks.demand import InFlows  # noqa: F401  (Flow's flow.core.params.InFlows)
from flowlights.params import experiment
from flowlights.params.experiment import VehicleParams as OwnVehicleParams
from flowlights.params.validation import one_home

# Flow name -> flowlights field (same meaning)
SUMO_RENAMED = {"sim_step": "step_length", "teleport_time": "time_to_teleport", "render": "gui"}
# Flow options that become SUMO command-line options
SUMO_OPTIONS = {
    "lateral_resolution": "--lateral-resolution",
    "overtake_right": "--lanechange.overtake-right",
    "use_ballistic": "--step-method.ballistic",
}
# Flow options with no meaning here, and why
SUMO_NO_MEANING = {
    "port": "TraCI picks a free port itself",
    "num_clients": "one client drives SUMO",
    "no_step_log": "SUMO's step log is always off",
    "print_warnings": "SUMO's warnings are always off",
    "save_render": "use flowlights visualize --video",
    "sight_radius": "a Flow rendering option",
    "show_radius": "a Flow rendering option",
    "pxpm": "a Flow rendering option",
    "force_color_update": "a Flow rendering option",
    "color_by_speed": "a Flow rendering option",
}
FLOW_SUMO_DEFAULTS = {"sim_step": 0.1, "teleport_time": -1}  # Flow's defaults where they differ from flowlights'


def _no_meaning(name: str, why: str, where: str) -> None:
    warnings.warn(
        f"{where}: Flow's {name!r} has no meaning in flowlights ({why}); it is accepted and not used.",
        UserWarning,
        stacklevel=3,
    )


def _set(values: dict[str, Any], key: str, value: Any, given_as: str, where: str) -> None:
    if key in values:
        one_home(key, values[key], None, value, f"{where}: {key}", f"{given_as}={value!r}")
    values[key] = value


def SumoParams(**kwargs: Any) -> own.SumoParams:  # noqa: N802  (Flow's class name)
    """Flow's SumoParams: sim_step (default 0.1 s), render, restart_instance, emission_path, seed,
    teleport_time (default -1), lateral_resolution, overtake_right, use_ballistic; flowlights' names too."""
    where = "SumoParams"
    fields = {f.name for f in dataclasses.fields(own.SumoParams)}
    values: dict[str, Any] = {}
    sumo_args = list(kwargs.pop("sumo_args", []))
    given = {**{k: v for k, v in FLOW_SUMO_DEFAULTS.items() if SUMO_RENAMED[k] not in kwargs}, **kwargs}
    for name, value in given.items():
        if name in SUMO_RENAMED:
            _set(values, SUMO_RENAMED[name], bool(value) if name == "render" else value, name, where)
            if name == "render" and value:
                _set(values, "backend", "traci", "render=True (sumo-gui needs TraCI)", where)
        elif name in fields:
            _set(values, name, value, name, where)
        elif name == "emission_path":
            if value:
                sumo_args += ["--emission-output", str(Path(value) / "emission.xml")]
        elif name in SUMO_OPTIONS:
            if value not in (None, False):
                sumo_args += [SUMO_OPTIONS[name], "true" if value is True else str(value)]
        elif name in SUMO_NO_MEANING:
            _no_meaning(name, SUMO_NO_MEANING[name], where)
        else:
            known = sorted({*SUMO_RENAMED, *SUMO_OPTIONS, *SUMO_NO_MEANING, "emission_path", *fields})
            raise ConfigError(f"{where}: unknown option {name!r}; Flow's and flowlights' options: {', '.join(known)}.")
    if values.get("seed", 0) is None:  # Flow's None (a random seed): flowlights keeps runs reproducible
        values.pop("seed")
    if sumo_args:
        values["sumo_args"] = sumo_args
    return own.SumoParams(**values)


def EnvParams(**kwargs: Any) -> own.EnvParams:  # noqa: N802  (Flow's class name)
    """Flow's EnvParams: horizon (env steps; inf = the scenario's window), warmup_steps, sims_per_step
    (sets delta_time when given), additional_params, evaluate, clip_actions (read by Flow env
    classes); flowlights' names too."""
    values = dict(kwargs)
    if values.get("horizon") is not None and values["horizon"] == float("inf"):
        values.pop("horizon")
    if isinstance(values.get("horizon"), float) and values["horizon"].is_integer():
        values["horizon"] = int(values["horizon"])
    if values.get("additional_params") is None:
        values.pop("additional_params", None)
    return own.EnvParams(**values)


CAR_FOLLOWING_ATTRIBUTES = {
    "accel": "accel",
    "decel": "decel",
    "sigma": "sigma",
    "tau": "tau",
    "min_gap": "minGap",
    "max_speed": "maxSpeed",
    "speed_factor": "speedFactor",
    "speed_dev": "speedDev",
    "impatience": "impatience",
    "car_follow_model": "carFollowModel",
}
LANE_CHANGE_ATTRIBUTES = {
    "model": "laneChangeModel",
    "lc_strategic": "lcStrategic",
    "lc_cooperative": "lcCooperative",
    "lc_speed_gain": "lcSpeedGain",
    "lc_keep_right": "lcKeepRight",
    "lc_look_ahead_left": "lcLookaheadLeft",
    "lc_speed_gain_right": "lcSpeedGainRight",
    "lc_sublane": "lcSublane",
    "lc_pushy": "lcPushy",
    "lc_pushy_gap": "lcPushyGap",
    "lc_assertive": "lcAssertive",
    "lc_accel_lat": "lcAccelLat",
}


class SumoCarFollowingParams:
    """Flow's car-following parameters, as SUMO vType attributes (Flow's defaults). ``speed_mode``
    is set on each vehicle by Flow env classes (TrafficLightEnv: SUMO's default checks)."""

    def __init__(
        self,
        speed_mode: Any = "right_of_way",
        accel: float = 2.6,
        decel: float = 4.5,
        sigma: float = 0.5,
        tau: float = 1.0,
        min_gap: float = 2.5,
        max_speed: float = 30,
        speed_factor: float = 1.0,
        speed_dev: float = 0.1,
        impatience: float = 0.5,
        car_follow_model: str = "IDM",
        **kwargs: Any,
    ) -> None:
        given = dict(
            accel=accel,
            decel=decel,
            sigma=sigma,
            tau=tau,
            min_gap=min_gap,
            max_speed=max_speed,
            speed_factor=speed_factor,
            speed_dev=speed_dev,
            impatience=impatience,
            car_follow_model=car_follow_model,
        )
        self.controller_params = {CAR_FOLLOWING_ATTRIBUTES[k]: v for k, v in given.items()}
        self.controller_params.update(kwargs)  # Flow passes extra SUMO vType attributes through, so do we
        self.speed_mode = SPEED_MODES.get(speed_mode, speed_mode)


class SumoLaneChangeParams:
    """Flow's lane-change parameters, as SUMO vType attributes (Flow's defaults). ``lane_change_mode``
    is set on each vehicle by Flow env classes (TrafficLightEnv: SUMO's default lane changing)."""

    def __init__(
        self,
        lane_change_mode: Any = "no_lc_safe",
        model: str = "LC2013",
        lc_strategic: float = 1.0,
        lc_cooperative: float = 1.0,
        lc_speed_gain: float = 1.0,
        lc_keep_right: float = 1.0,
        lc_look_ahead_left: float = 2.0,
        lc_speed_gain_right: float = 1.0,
        lc_sublane: float = 1.0,
        lc_pushy: float = 0,
        lc_pushy_gap: float = 0.6,
        lc_assertive: float = 1,
        lc_accel_lat: float = 1.0,
        **kwargs: Any,
    ) -> None:
        given = dict(
            model=model,
            lc_strategic=lc_strategic,
            lc_cooperative=lc_cooperative,
            lc_speed_gain=lc_speed_gain,
            lc_keep_right=lc_keep_right,
            lc_look_ahead_left=lc_look_ahead_left,
            lc_speed_gain_right=lc_speed_gain_right,
            lc_sublane=lc_sublane,
            lc_pushy=lc_pushy,
            lc_pushy_gap=lc_pushy_gap,
            lc_assertive=lc_assertive,
            lc_accel_lat=lc_accel_lat,
        )
        self.controller_params = {LANE_CHANGE_ATTRIBUTES[k]: v for k, v in given.items()}
        self.controller_params.update(kwargs)
        self.lane_change_mode = lane_change_mode


class VehicleParams(OwnVehicleParams):
    """Flow's VehicleParams: ``add(veh_id, acceleration_controller, lane_change_controller,
    routing_controller, initial_speed, num_vehicles, car_following_params, lane_change_params, color)``
    writes a SUMO vType and records how the type is driven (Flow env classes run the controllers in
    Python and place ``num_vehicles`` vehicles; TrafficLightEnv uses SUMO's models, see
    ``flowlights.controllers``); flowlights' ``add(veh_id, **vtype_attributes)`` keeps working."""

    def add(
        self,
        veh_id: str,
        acceleration_controller: Any = None,
        lane_change_controller: Any = None,  # type: ignore[override]
        routing_controller: Any = None,
        initial_speed: float = 0,
        num_vehicles: int = 0,
        car_following_params: Any = None,
        lane_change_params: Any = None,
        color: Any = None,
        **attributes: Any,
    ) -> "VehicleParams":
        car_following = car_following_params or SumoCarFollowingParams()
        lane_change = lane_change_params or SumoLaneChangeParams()
        vtype = dict(car_following.controller_params)
        if lane_change_params is not None:
            vtype.update(lane_change.controller_params)
        cls, options = (
            acceleration_controller if acceleration_controller else (controllers.SimCarFollowingController, {})
        )
        if cls is controllers.IDMController:
            idm = {**controllers.IDMController.defaults, **options}
            vtype.update(
                carFollowModel="IDM",
                maxSpeed=idm["v0"],
                tau=idm["T"],
                accel=idm["a"],
                decel=idm["b"],
                delta=idm["delta"],
                minGap=idm["s0"],
            )
        if color is not None:
            vtype["color"] = color if isinstance(color, str) else ",".join(str(c) for c in color)
        vtype.update(attributes)
        if num_vehicles < 0:
            raise ConfigError(f"VehicleParams.add({veh_id!r}): num_vehicles={num_vehicles!r} must be >= 0.")
        super().add(veh_id, **vtype)
        self.set_spec(
            VehicleSpec(
                veh_id,
                acceleration_controller=(cls, dict(options)),
                lane_change_controller=lane_change_controller or (controllers.SimLaneChangeController, {}),
                routing_controller=routing_controller,
                initial_speed=float(initial_speed),
                num_vehicles=int(num_vehicles),
                speed_mode=car_following.speed_mode,
                lane_change_mode=lane_change.lane_change_mode,
                min_gap=float(vtype.get("minGap", 2.5)),
                car_following_params=car_following,
                lane_change_params=lane_change,
                vtype={"id": veh_id, **vtype},
            )
        )
        return self


def InitialConfig(**kwargs: Any) -> Any:  # noqa: N802  (Flow's class name)
    """Flow's InitialConfig (shuffle, spacing, min_gap, perturbation, x0, bunching, lanes_distribution,
    edges_distribution, additional_params) and flowlights' ``warmup``; placing initial vehicles means
    something to Flow env classes only (TrafficLightEnv says so when it is given them)."""
    Own = experiment.InitialConfig  # noqa: N806  (flowlights' own class of Flow's name)
    own_fields = {f.name for f in dataclasses.fields(Own)}
    unknown = sorted(set(kwargs) - own_fields)
    if unknown:
        raise ConfigError(
            f"InitialConfig: unknown option {unknown[0]!r}; Flow's and flowlights' options: "
            f"{', '.join(sorted(own_fields))}."
        )
    return Own(**kwargs)


def TrafficLightParams(baseline: bool = False, **kwargs: Any) -> Any:  # noqa: N802  (Flow's class name)
    """Flow's TrafficLightParams: ``baseline=True`` (Flow's actuated baseline everywhere) is
    ``flowlights evaluate --controller actuated`` here, said once; flowlights' fields are kept."""
    Own = experiment.TrafficLightParams  # noqa: N806  (flowlights' own class of Flow's name)
    if baseline:
        _no_meaning(
            "baseline=True",
            "evaluate SUMO's actuated lights with `flowlights evaluate --controller actuated`",
            "TrafficLightParams",
        )
    return Own(**kwargs)


def NetParams(inflows: Any = None, additional_params: Any = None, template: Any = None, **kwargs: Any) -> Any:  # noqa: N802
    """Flow's NetParams: ``inflows``, ``additional_params`` (the network generator's options) and
    ``template`` — a .net.xml path, or Flow's dict ``{"net": ..., "rou": [...], "vtype": ...}`` — onto
    flowlights' NetParams (``scenario=``, ``sumocfg=``... keep working)."""
    Own = experiment.NetParams  # noqa: N806  (flowlights' own class of Flow's name)
    values = dict(kwargs)
    if inflows is not None:
        values["inflows"] = inflows
    if additional_params:
        values["additional_params"] = dict(additional_params)
    if template is not None:
        parts = {"net": template} if isinstance(template, (str, Path)) else dict(template)
        unknown = sorted(set(parts) - {"net", "rou", "vtype", "add"})
        if unknown or "net" not in parts:
            raise ConfigError(
                f"NetParams: template {template!r} needs a 'net' path (and may give 'rou', 'vtype', 'add'); "
                f"{'unknown key ' + repr(unknown[0]) if unknown else 'no net given'}."
            )
        as_list = lambda v: [str(p) for p in (v if isinstance(v, (list, tuple)) else [v])]  # noqa: E731
        _set(values, "net_file", str(parts["net"]), "template['net']", "NetParams")
        if "rou" in parts:
            _set(values, "route_file", as_list(parts["rou"]), "template['rou']", "NetParams")
        extra = [p for key in ("vtype", "add") if key in parts for p in as_list(parts[key])]
        if extra:
            values["additional_files"] = list(values.get("additional_files", [])) + extra
    return Own(**values)
