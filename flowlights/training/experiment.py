"""Experiments: a Flow-style ``flow_params`` plus policies and training settings, loaded from
a Python module, a YAML file, or a results folder's params.json (the same schema).

Schema (YAML/JSON): exp_tag, env_name, network, simulator, sim, env, net, veh, initial, tls,
policies ("shared" | "per_light" | "per_shape"), training (algorithm hyper-parameters).
A Python module defines ``flow_params`` (with params objects) and may define ``policies``,
``policy_mapping_fn`` and ``policies_to_train`` itself, as in Flow's multi-agent examples.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional

import yaml

from flowlights.errors import ConfigError
from flowlights.flow.training.classes import (
    FLOW_ENVS,
    FLOW_NETWORKS,
    class_path,
    resolve_env_class,
    resolve_network_class,
)
from flowlights.flow.training.policies import module_policies
from flowlights.networks.demand import Flow, InFlows
from flowlights.networks.network_file import bundled_dir
from flowlights.params import EnvParams, SumoParams
from flowlights.params.experiment import InitialConfig, NetParams, TrafficLightParams, VehicleParams, from_dict
from flowlights.training.named_settings import check_named_settings, keys_in_maps, keywords_in_source
from flowlights.training.trust import require_trust

REQUIRED = ("exp_tag", "env_name", "network", "simulator", "sim", "env", "net")
OPTIONAL = ("veh", "initial", "tls")
SIMULATORS = ("libsumo", "traci")
POLICY_MODES = ("shared", "per_light", "per_shape")
PARAM_CLASSES = {
    "sim": SumoParams,
    "env": EnvParams,
    "net": NetParams,
    "veh": VehicleParams,
    "initial": InitialConfig,
    "tls": TrafficLightParams,
}
TOP_LEVEL = (
    set(REQUIRED)
    | set(OPTIONAL)
    | {
        "policies",
        "training",
        "config_module",
        "train_settings",  # train_settings: a record only
        "exported",  # written by flowlights export: a record only
        "protocol",
    }
)


@dataclass
class Experiment:
    """A loaded experiment: flow_params (params objects), policy set-up and training settings."""

    flow_params: dict[str, Any]
    policies: Any = "shared"  # a mode name, or (Python configs) a set/dict of policy ids
    policy_mapping_fn: Optional[Callable[..., str]] = None
    policies_to_train: Optional[list[str]] = None
    training: dict[str, Any] = field(default_factory=dict)
    source: str = ""

    @property
    def exp_tag(self) -> str:
        return str(self.flow_params["exp_tag"])

    @property
    def protocol(self) -> str:
        return str(self.flow_params["env"].protocol)

    def set_protocol(self, name: Optional[str], where: str = "--protocol") -> None:
        """Run under protocol ``name`` (its one home is ``env.protocol``); another one already set is a conflict."""
        if name is None or name == self.protocol:
            return
        if self.protocol != EnvParams.protocol:
            raise ConfigError(
                f"{where} {name!r} conflicts with the experiment's env.protocol {self.protocol!r}; drop one of them."
            )
        self.flow_params["env"] = dataclasses.replace(self.flow_params["env"], protocol=name)

    def to_dict(self) -> dict[str, Any]:
        """The JSON/YAML form: enough to rebuild the same experiment (params.json)."""
        out: dict[str, Any] = {}
        for key in REQUIRED + OPTIONAL:
            value = self.flow_params.get(key)
            out[key] = _params_to_dict(value) if dataclasses.is_dataclass(value) else value
        custom = not isinstance(self.policies, str)
        out["policies"] = "custom" if custom else self.policies
        out["env_name"], out["network"] = class_path(out["env_name"]), class_path(out["network"])
        from_module = any(
            not isinstance(self.flow_params[k], str) and self.flow_params[k].__module__.startswith("flowlights_exp_")
            for k in ("env_name", "network")
        )
        python_only = (
            from_module
            or (not isinstance(self.flow_params["env_name"], str) or self.flow_params["env_name"] in FLOW_ENVS)
            and str(self.source).endswith(".py")
        )  # vehicles with Python controllers: only the module says them
        if custom or python_only:
            out["config_module"] = self.source
        out["training"] = dict(self.training)
        return out


def _params_to_dict(params: Any) -> dict[str, Any]:
    result = {}
    for f in dataclasses.fields(params):
        value = getattr(params, f.name)
        if isinstance(value, InFlows):
            value = [dataclasses.asdict(flow) for flow in value.flows]
        elif isinstance(value, tuple):
            value = list(value)
        result[f.name] = value
    return result


def _class_name(resolved: Any, given: Any) -> Any:
    """Keep names as given (params.json stays readable); a dotted path becomes its class."""
    return given if isinstance(resolved, str) or given in FLOW_ENVS or given in FLOW_NETWORKS else resolved


def _choice(value: Any, allowed: tuple[str, ...], where: str) -> str:
    if value not in allowed:
        raise ConfigError(f"{where}: {value!r} is not allowed; use one of {', '.join(allowed)}.")
    return value


def experiment_from_dict(data: dict[str, Any], source: str = "<dict>") -> Experiment:
    """Validate a YAML/JSON experiment and build its params objects."""
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: an experiment must be a mapping of fields, got {type(data).__name__}.")
    unknown = sorted(set(data) - TOP_LEVEL)
    if unknown:
        raise ConfigError(f"{source}: unknown field {unknown[0]!r}; allowed: {', '.join(sorted(TOP_LEVEL))}.")
    missing = [k for k in REQUIRED if k not in data]
    if missing:
        raise ConfigError(f"{source}: missing field {missing[0]!r}; required: {', '.join(REQUIRED)}.")
    if data.get("config_module"):  # written for Python-only parts (custom policies, env/network classes of the module)
        return load_experiment(data["config_module"])
    flow_params: dict[str, Any] = {
        "exp_tag": str(data["exp_tag"]),
        "env_name": _class_name(resolve_env_class(data["env_name"], f"{source}: env_name"), data["env_name"]),
        "network": _class_name(resolve_network_class(data["network"], f"{source}: network"), data["network"]),
        "simulator": _choice(data["simulator"], SIMULATORS, f"{source}: simulator"),
    }
    for key, cls in PARAM_CLASSES.items():
        raw = data.get(key) or {}
        if not isinstance(raw, dict):
            raise ConfigError(
                f"{source}: {key} must be a mapping of {cls.__name__} fields (e.g. {{end: 3600}}), "
                f"got {type(raw).__name__} {raw!r}."
            )
        values = dict(raw)
        if key == "net" and isinstance(values.get("inflows"), list):
            inflows = InFlows()
            inflows.flows = [
                Flow(**{**flow, "name": flow.get("name") or f"flow{i}_{flow.get('edge')}"})
                for i, flow in enumerate(values["inflows"])
            ]
            values["inflows"] = inflows
        try:
            flow_params[key] = from_dict(cls, values, f"{source}: {key}")
        except ConfigError as exc:
            raise ConfigError(exc.args[0] if str(exc).startswith(source) else f"{source}: {key}: {exc}") from None
        except TypeError as exc:
            raise ConfigError(f"{source}: {key}: {exc}") from exc
    experiment_protocol = data.get("protocol")
    policies = data.get("policies", "shared")
    if policies == "custom":
        raise ConfigError(f"{source}: policies 'custom' needs config_module, the Python config that defines them.")
    _choice(policies, POLICY_MODES, f"{source}: policies")
    training = data.get("training") or {}
    if not isinstance(training, dict):
        raise ConfigError(f"{source}: training must be a mapping such as {{lr: 0.0005, num_epochs: 5}}.")
    experiment = Experiment(flow_params, policies, None, None, dict(training), source)
    experiment.set_protocol(experiment_protocol, f"{source}: protocol")
    return experiment


def _load_module(path: Path) -> Experiment:
    spec = importlib.util.spec_from_file_location(f"flowlights_exp_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for value in list(vars(module).values()):  # Flow's configs make a probe env at import (test_env): close its SUMO
        if type(value).__module__ == "flowlights.envs.rllib_env":
            value.close()
    if not hasattr(module, "flow_params"):
        raise ConfigError(f"{path}: a Python experiment config must define flow_params.")
    data = dict(module.flow_params)
    missing = [k for k in REQUIRED if k not in data]
    if missing:
        raise ConfigError(f"{path}: flow_params misses {missing[0]!r}; required: {', '.join(REQUIRED)}.")
    for key, cls in PARAM_CLASSES.items():
        value = data.get(key)
        if value is None:
            data[key] = cls()
        elif isinstance(value, dict):
            data[key] = from_dict(cls, value, f"{path}: {key}")
        elif not isinstance(value, cls):
            raise ConfigError(f"{path}: flow_params[{key!r}] must be a {cls.__name__}, got {type(value).__name__}.")
    resolve_env_class(data["env_name"], f"{path}: env_name")
    resolve_network_class(data["network"], f"{path}: network")
    _choice(data["simulator"], SIMULATORS, f"{path}: simulator")
    policies, mapping, to_train = module_policies(module, str(path))
    if isinstance(policies, str):
        _choice(policies, POLICY_MODES, f"{path}: policies")
    experiment = Experiment(
        data, policies, mapping, to_train, dict(getattr(module, "training", {})), str(path.resolve())
    )
    experiment.set_protocol(data.get("protocol"), f"{path}: flow_params['protocol']")
    named = keywords_in_source(path.read_text()) | keys_in_maps(module.flow_params)
    check_named_settings(experiment.flow_params, named, str(path))
    return experiment


def bundled_config(name: str) -> Optional[Path]:
    """A bundled experiment by bare name (``grid2x2_shared``): its .py, else its .yaml, from exp_configs/."""
    if "/" in name or Path(name).suffix in (".py", ".yaml", ".yml", ".json"):
        return None
    folder = bundled_dir("exp_configs")
    return next(
        (folder / f"{name}{suffix}" for suffix in (".py", ".yaml") if (folder / f"{name}{suffix}").is_file()), None
    )


def load_experiment(source: str | Path) -> Experiment:
    """Load an experiment from a .py module, a .yaml/.yml file, a params.json or a results folder."""
    path = Path(source)
    if path.is_dir() and (path / "params.json").is_file():
        path = path / "params.json"
    if not path.is_file():
        path = bundled_config(str(source)) or path
    if not path.is_file():
        names = ", ".join(
            sorted({p.stem for p in bundled_dir("exp_configs").glob("*.*") if p.suffix in (".py", ".yaml")})
        )
        raise ConfigError(
            f"experiment config {str(source)!r} does not exist; give a .py, .yaml or params.json file, "
            f"or a bundled experiment's name ({names or 'none found'})."
        )
    if path.suffix == ".py":
        return _load_module(path)
    if path.suffix in (".yaml", ".yml"):
        try:
            data = yaml.safe_load(path.read_text())
        except yaml.YAMLError as exc:
            raise ConfigError(f"{path}: not valid YAML ({exc}).") from exc
        experiment = experiment_from_dict(data, str(path))
        check_named_settings(experiment.flow_params, keys_in_maps(data), str(path))
        return experiment
    if path.suffix == ".json":
        try:
            data = json.loads(path.read_text())
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(
                f"{path} is not valid JSON ({exc}); this results folder is damaged: restore "
                "params.json from a copy, or train again."
            ) from None
        if isinstance(data, dict):
            require_trust(path.parent, data)  # before anything it names is imported
        return experiment_from_dict(data, str(path))
    raise ConfigError(f"experiment config {str(source)!r}: use a .py, .yaml/.yml or .json file.")
