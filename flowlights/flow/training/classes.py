"""Which env and network classes a ``flow_params`` names: flowlights' own by name, Flow's by name
(``MultiTrafficLightGridPOEnv``, ``RingNetwork``...), a class object (Python configs), or a dotted
path ``package.module.Class`` / ``package.module:Class`` (YAML/JSON) to your own."""

from __future__ import annotations

import dataclasses
import importlib
from typing import Any

from flowlights.errors import ConfigError
from flowlights.flow.envs.base import FlowRuntime
from flowlights.flow.networks.network import Network
from flowlights.params.experiment import InitialConfig, TrafficLightParams, VehicleParams

OWN_ENVS = ("TrafficLightEnv",)
OWN_NETWORKS = ("NetworkFile", "GridNetwork", "ArterialNetwork")
FLOW_ENVS = {
    name: "flowlights.flow.envs"
    for name in ("TrafficLightGridEnv", "TrafficLightGridPOEnv", "WaveAttenuationEnv", "WaveAttenuationPOEnv")
}
FLOW_ENVS.update(
    {
        name: "flowlights.flow.envs.multiagent"
        for name in ("MultiTrafficLightGridPOEnv", "MultiWaveAttenuationPOEnv", "MultiAgentWaveAttenuationPOEnv")
    }
)
FLOW_NETWORKS = {
    name: "flowlights.flow.networks" for name in ("RingNetwork", "MultiRingNetwork", "TrafficLightGridNetwork")
}


def _import(path: str, where: str) -> Any:
    module, _, name = path.replace(":", ".").rpartition(".")
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError, ValueError) as exc:
        raise ConfigError(
            f"{where}: cannot import {path!r} ({exc}); give a class, one of the names listed, or "
            "'package.module.Class' importable from here."
        ) from None


def _resolve(
    value: Any, own: tuple[str, ...], flow_names: dict[str, str], base: type, kind: str, hint: str, where: str
) -> Any:
    """A name flowlights knows (own names returned as they are), a class, or a dotted path; checked against ``base``."""
    if value in own:
        return value
    cls = value
    if isinstance(value, str):
        if value in flow_names:
            cls = getattr(importlib.import_module(flow_names[value]), value)
        elif "." in value or ":" in value:
            cls = _import(value, where)
        else:
            raise ConfigError(
                f"{where}: {value!r} is not {kind} flowlights knows; use {', '.join(own + tuple(flow_names))}, "
                "your class itself, or its dotted path 'package.module.Class'."
            )
    if not (isinstance(cls, type) and issubclass(cls, base)):
        raise ConfigError(
            f"{where}: {getattr(cls, '__name__', cls)!r} is not {kind} class: subclass {hint}, as in Flow."
        )
    return cls


def resolve_env_class(value: Any, where: str) -> Any:
    """The env class for ``flow_params['env_name']``: "TrafficLightEnv" (returned as the name) or a Flow env class."""
    return _resolve(
        value,
        OWN_ENVS,
        FLOW_ENVS,
        FlowRuntime,
        "an env",
        "flowlights.flow.envs.multiagent.MultiEnv (or flowlights.envs.Env)",
        where,
    )


def resolve_network_class(value: Any, where: str) -> Any:
    """``flow_params['network']``: flowlights' own network kinds by name, else a Flow Network class."""
    return _resolve(
        value,
        OWN_NETWORKS,
        FLOW_NETWORKS,
        Network,
        "a network",
        "flowlights.networks.Network (specify_nodes, specify_edges, ...)",
        where,
    )


def is_flow_env(flow_params: dict[str, Any]) -> bool:
    """True when the experiment runs a Flow env class (vehicles or raw light states through ``env.k``)."""
    return flow_params.get("env_name", "TrafficLightEnv") not in OWN_ENVS


def class_path(value: Any) -> Any:
    """A class as 'module.Class' for params.json (names stay names)."""
    return value if isinstance(value, str) else f"{value.__module__}.{value.__qualname__}"


def build_flow_env(flow_params: dict[str, Any], seed_offset: int = 0, **sim_changes: Any) -> Any:
    """The Flow env a flow_params describes: its network class built from net/veh/initial/tls, then
    ``env_name(env_params, sim_params, network, simulator)`` — Flow's make_create_env."""
    where = f"flow_params of {flow_params.get('exp_tag', '?')!r}"
    env_class = resolve_env_class(flow_params["env_name"], f"{where}: env_name")
    network_class = resolve_network_class(flow_params["network"], f"{where}: network")
    if isinstance(network_class, str):
        raise ConfigError(
            f"{where}: {env_class.__name__} needs a network class (e.g. RingNetwork, TrafficLightGridNetwork); "
            f"{network_class!r} is for TrafficLightEnv."
        )
    sim = flow_params["sim"]
    sim = dataclasses.replace(sim, seed=sim.seed + seed_offset, **sim_changes)
    network = network_class(
        flow_params["exp_tag"],
        flow_params.get("veh") or VehicleParams(),
        flow_params["net"],
        flow_params.get("initial") or InitialConfig(),
        flow_params.get("tls") or TrafficLightParams(),
    )
    return env_class(flow_params["env"], sim, network, flow_params.get("simulator", "traci"))
