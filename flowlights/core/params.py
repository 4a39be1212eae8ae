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

# Flow name -> flowlights field (same meaning)
SUMO_RENAMED = {"sim_step": "step_length", "teleport_time": "time_to_teleport", "render": "gui"}
# Flow options that become SUMO command-line options
SUMO_OPTIONS = {"lateral_resolution": "--lateral-resolution", "overtake_right": "--lanechange.overtake-right",
                "use_ballistic": "--step-method.ballistic"}
# Flow options with no meaning here, and why
SUMO_NO_MEANING = {
    "port": "TraCI picks a free port itself", "num_clients": "one client drives SUMO",
    "no_step_log": "SUMO's step log is always off", "print_warnings": "SUMO's warnings are always off",
    "save_render": "use flowlights visualize --video", "sight_radius": "a Flow rendering option",
    "show_radius": "a Flow rendering option", "pxpm": "a Flow rendering option",
    "force_color_update": "a Flow rendering option", "color_by_speed": "a Flow rendering option",
}
FLOW_SUMO_DEFAULTS = {"sim_step": 0.1, "teleport_time": -1}  # Flow's defaults where they differ from flowlights'
ENV_NO_MEANING = {"evaluate": "flowlights has one reward per env (EnvParams.reward)",
                  "clip_actions": "flowlights' actions are discrete"}


def _no_meaning(name: str, why: str, where: str) -> None:
    warnings.warn(f"{where}: Flow's {name!r} has no meaning in flowlights ({why}); it is accepted and not used.",
                  UserWarning, stacklevel=3)


def _set(values: dict[str, Any], key: str, value: Any, given_as: str, where: str) -> None:
    if key in values and values[key] != value:
        raise ConfigError(f"{where}: {key}={values[key]!r} and {given_as}={value!r} set the same thing differently; keep one.")
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
    (sets delta_time when given), additional_params; evaluate and clip_actions are accepted with a
    warning; flowlights' names too."""
    where = "EnvParams"
    values = dict(kwargs)
    if values.get("horizon") is not None and values["horizon"] == float("inf"):
        values.pop("horizon")
    if isinstance(values.get("horizon"), float) and values["horizon"].is_integer():
        values["horizon"] = int(values["horizon"])
    for name, why in ENV_NO_MEANING.items():
        if name in values:
            values.pop(name)
            _no_meaning(name, why, where)
    if values.get("additional_params") is None:
        values.pop("additional_params", None)
    return own.EnvParams(**values)
