"""The settings an experiment config names, default values included, checked against its protocol.

A protocol sets some MDP settings itself (``resco``: ``delta_time=10``, ``min_green=7``...). A config that names one of
them at another value gets an error, even when that value is flowlights' default (``EnvParams(protocol="resco",
delta_time=5.0)``): the dataclass cannot tell a default from a choice, so the names come from the config itself —
the keys of a YAML file's ``env``/``sim`` maps, the keywords of a Python module's ``EnvParams(...)`` and
``SumoParams(...)`` calls."""

from __future__ import annotations

import ast
from typing import Any, Iterable

from flowlights.errors import ConfigError
from flowlights.params.protocols import check_named

PARAMS_CALLS = ("EnvParams", "SumoParams")


def keywords_in_source(source: str) -> set[str]:
    """The keyword names written in the module's calls to ``EnvParams``/``SumoParams`` (any import form)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            if called in PARAMS_CALLS:
                names |= {k.arg for k in node.keywords if k.arg}
    return names


def keys_in_maps(data: Any) -> set[str]:
    """The keys of a YAML/JSON config's ``env`` and ``sim`` maps."""
    if not isinstance(data, dict):
        return set()
    return {k for part in ("env", "sim") if isinstance(data.get(part), dict) for k in data[part]}


def check_named_settings(flow_params: dict[str, Any], named: Iterable[str], where: str) -> None:
    """A ConfigError (prefixed with ``where``) when a named setting disagrees with the config's protocol."""
    env, sim = flow_params["env"], flow_params["sim"]
    values = {k: getattr(part, k) for part in (sim, env) for k in named if k != "protocol" and hasattr(part, k)}
    scenario = getattr(flow_params.get("net"), "scenario", None) or ""
    try:
        check_named({**values, "protocol": env.protocol, "scenario": scenario})
    except ConfigError as exc:
        raise ConfigError(f"{where}: {exc}") from None
