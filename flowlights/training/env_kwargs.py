"""flow_params -> the flat keyword arguments of ``flowlights.make_env``.

Generated networks (GridNetwork, ArterialNetwork) are built here, once, into the cache, with
their InFlows (or the grid's default demand), so every env runner opens the same files.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import warnings
from typing import Any
from xml.sax.saxutils import quoteattr

from flowlights.common.cache import cache_dir
from flowlights.errors import ConfigError
from flowlights.flow.training.classes import resolve_network_class
from flowlights.networks.grid import ArterialNetwork, GridNetwork
from flowlights.networks.network_file import SCENARIO_KEYS
from flowlights.networks.scenario_writer import write_scenario
from flowlights.params.experiment import InitialConfig, TrafficLightParams, VehicleParams
from flowlights.params.validation import one_home

GENERATORS = {"GridNetwork": GridNetwork, "ArterialNetwork": ArterialNetwork}
DEMAND_KEYS = ("vehs_per_hour", "straight_share", "main_axis_factor")


def _generated_scenario(network: str, net: Any, end: float) -> str:
    params = dict(net.additional_params)
    demand = {k: params.pop(k) for k in DEMAND_KEYS if k in params}
    try:
        generator = GENERATORS[network](**params)
    except TypeError as exc:
        fields = [f.name for f in dataclasses.fields(GENERATORS[network])]
        raise ConfigError(
            f"net.additional_params for {network}: {exc}; allowed: {', '.join(fields + list(DEMAND_KEYS))}."
        ) from exc
    net_file = generator.build()
    if net.inflows is not None:
        inflows = net.inflows
        if isinstance(generator, GridNetwork):
            inflows = generator.route_missing_destinations(net_file, inflows)  # Flow's inflows name no destination
    else:
        inflows = generator.demand(net_file, end=end, **demand)
    key = hashlib.sha1(
        json.dumps(
            [network, dataclasses.asdict(generator), [dataclasses.asdict(f) for f in inflows.flows], end],
            sort_keys=True,
            default=str,
        ).encode()
    ).hexdigest()[:12]
    folder = cache_dir() / "scenarios" / key
    cfg = folder / f"{network.lower()}.sumocfg"
    if not cfg.is_file():
        write_scenario(folder, network.lower(), net_file, inflows, end=end)
    return str(cfg)


def _vehicle_types_file(types: list[dict[str, Any]]) -> str:
    body = "".join("  <vType " + " ".join(f"{k}={quoteattr(str(v))}" for k, v in t.items()) + "/>\n" for t in types)
    key = hashlib.sha1(body.encode()).hexdigest()[:12]
    path = cache_dir() / "vtypes" / f"{key}.add.xml"
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"<additional>\n{body}</additional>\n")
    return str(path)


def _flow_network_files(flow_params: dict[str, Any], network: Any, veh: Any, initial: Any, tls: Any) -> Any:
    """A Flow network class (TrafficLightGridNetwork, your own) built to files TrafficLightEnv runs:
    its net, routes, vehicle types and inflows (its initial vehicles are for Flow env classes)."""
    cls = resolve_network_class(network, "flow_params['network']")
    net = flow_params["net"]
    if net.inflows is None or not net.inflows.flows:
        raise ConfigError(
            f"{getattr(cls, '__name__', cls)} with TrafficLightEnv: give NetParams(inflows=...) — the demand "
            "(its initial vehicles are placed by Flow env classes only)."
        )
    return cls(flow_params.get("exp_tag", "flowlights"), veh, net, initial, tls).build(
        net.inflows
    )  # types: an additional file


def _defaults(params: Any) -> dict[str, Any]:
    return {f.name: f.default for f in dataclasses.fields(params) if f.default is not dataclasses.MISSING}


def _agree(kwargs: dict[str, Any], key: str, value: Any, default: Any, here: str, there: str) -> None:
    """Set ``kwargs[key]`` from a second place (``there``); a non-default value already set ``here`` that
    differs is a ConfigError naming both."""
    kwargs[key] = one_home(key, kwargs.get(key, default), default, value, here, f"{there}={value!r}")


def env_kwargs(flow_params: dict[str, Any]) -> dict[str, Any]:
    """The make_env keyword arguments that this flow_params describes. Flow's second homes for a
    setting (tls timings, ``simulator``, ``initial.warmup``) are taken when they agree with the first."""
    missing = [k for k in ("sim", "env", "net") if flow_params.get(k) is None]
    if missing:
        raise ConfigError(
            f"flow_params misses {missing[0]!r}: give SumoParams (sim), EnvParams (env) and NetParams (net)."
        )
    sim, env, net = flow_params["sim"], flow_params["env"], flow_params["net"]
    tls = flow_params.get("tls") or TrafficLightParams()  # Flow's defaults where a raw dict leaves them out
    initial = flow_params.get("initial") or InitialConfig()
    veh = flow_params.get("veh") or VehicleParams()
    kwargs: dict[str, Any] = {k: v for k, v in dataclasses.asdict(sim).items()}
    kwargs.update({k: v for k, v in dataclasses.asdict(env).items()})
    env_defaults, sim_defaults = _defaults(env), _defaults(sim)
    for key, value in tls.overrides().items():
        _agree(kwargs, key, value, env_defaults[key], f"env.{key}", f"tls.{key}")
    _agree(
        kwargs,
        "backend",
        flow_params.get("simulator", sim.backend),
        sim_defaults["backend"],
        "sim.backend",
        "simulator",
    )
    if initial.warmup:
        _agree(kwargs, "warmup", initial.warmup, sim_defaults["warmup"], "sim.warmup", "initial.warmup")
    flow_only = veh.flow_only_settings() + [f"InitialConfig {k}={v!r}" for k, v in initial.placement_options().items()]
    if flow_only:
        warnings.warn(
            f"TrafficLightEnv takes its vehicles from the scenario's demand and drives them with SUMO's models; "
            f"{'; '.join(flow_only)} is used by Flow env classes only (flowlights.flow.envs.multiagent.MultiEnv...), "
            "not here.",
            UserWarning,
            stacklevel=3,
        )
    additional = list(net.additional_files)
    if veh.types:
        additional.append(_vehicle_types_file(veh.types))
    if additional:
        kwargs["additional_files"] = additional
    network = flow_params.get("network", "NetworkFile")
    if not (isinstance(network, str) and network in ("NetworkFile", *GENERATORS)):
        built = _flow_network_files(flow_params, network, veh, initial, tls)
        kwargs.update(net_file=str(built.net_file), route_file=[str(r) for r in built.route_files])
        return kwargs
    if network in GENERATORS:
        kwargs["sumocfg"] = _generated_scenario(network, net, end=sim.end or 3600.0)
        return kwargs
    given = {k: getattr(net, k) for k in SCENARIO_KEYS if getattr(net, k)}
    if not given:
        raise ConfigError("net: a NetworkFile needs scenario=, sumocfg= or net_file= with route_file=.")
    kwargs.update(given)
    return kwargs
