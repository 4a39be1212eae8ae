"""Import paths that documents and users' configs name, kept working after their modules moved.

``import flowlights.core.params`` (Flow's ``flow.core.params``), ``from flowlights.experiment_params import
NetParams`` and the rest of ``KEPT`` give the very module that now lives in its package (same object, so classes
and registries are shared), loaded only when first named: a table, not a file per old path at the package root.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
from types import CodeType, ModuleType
from typing import Optional, Sequence

# old path -> the module it names now
KEPT = {
    # Flow's import paths (docs/migrating-from-flow.md): flow.core, flow.controllers, flow.utils.registry
    "flowlights.core": "flowlights.flow",
    "flowlights.core.params": "flowlights.flow.params",
    "flowlights.core.rewards": "flowlights.flow.rewards",
    "flowlights.controllers": "flowlights.flow.controllers",
    "flowlights.utils": "flowlights.flow",
    "flowlights.utils.registry": "flowlights.flow.registry",
    "flowlights.compat": "flowlights.flow.compat",
    "flowlights.flow_cli": "flowlights.flow.cli",
    # Flow's env classes, networks and kernel, where flowlights first kept them (users' configs, docs/migrating-from-flow.md)
    "flowlights.envs.multiagent": "flowlights.flow.envs.multiagent",
    "flowlights.envs.multiagent.base": "flowlights.flow.envs.multiagent.base",
    "flowlights.envs.multiagent.ring": "flowlights.flow.envs.multiagent.ring",
    "flowlights.envs.multiagent.traffic_light_grid": "flowlights.flow.envs.multiagent.traffic_light_grid",
    "flowlights.envs.flow_base": "flowlights.flow.envs.base",
    "flowlights.envs.flow_rewards": "flowlights.flow.envs.rewards",
    "flowlights.envs.traffic_light_grid": "flowlights.flow.envs.traffic_light_grid",
    "flowlights.envs.wave_attenuation": "flowlights.flow.envs.wave_attenuation",
    "flowlights.networks.flow_network": "flowlights.flow.networks.network",
    "flowlights.networks.ring": "flowlights.flow.networks.ring",
    "flowlights.networks.traffic_light_grid": "flowlights.flow.networks.traffic_light_grid",
    "flowlights.sim.kernel": "flowlights.flow.kernel",
    "flowlights.sim.kernel.kernel": "flowlights.flow.kernel.kernel",
    "flowlights.sim.kernel.network": "flowlights.flow.kernel.network",
    "flowlights.sim.kernel.traffic_light": "flowlights.flow.kernel.traffic_light",
    "flowlights.sim.kernel.vehicle": "flowlights.flow.kernel.vehicle",
    "flowlights.training.flow_classes": "flowlights.flow.training.classes",
    "flowlights.training.flow_policies": "flowlights.flow.training.policies",
    "flowlights.training.flow_policy": "flowlights.flow.training.policy",
    "flowlights.evaluation.flow_rollouts": "flowlights.flow.evaluation.rollouts",
    # benchmarks, before they had one home (``python -m`` works on these too)
    "flowlights.bench": "flowlights.benchmarks",
    "flowlights.bench.speed": "flowlights.benchmarks.speed",
    "flowlights.bench.scale": "flowlights.benchmarks.scale",
    "flowlights.bench.rllib_throughput": "flowlights.benchmarks.rllib_throughput",
    "flowlights.bench.soak": "flowlights.benchmarks.soak_rounds",
    "flowlights.bench.timing": "flowlights.benchmarks.timing",
    "flowlights.bench.sumo_rl_reference": "flowlights.benchmarks.sumo_rl_reference",
    "flowlights.evaluation.recipe_benchmark": "flowlights.benchmarks.recipe",
    "flowlights.evaluation.coordination_benchmark": "flowlights.benchmarks.coordination",
    "flowlights.evaluation.resco_benchmark": "flowlights.benchmarks.resco_cells",
    "flowlights.evaluation.resco_reference": "flowlights.benchmarks.resco_reference",
    "flowlights.deploy.benchmark": "flowlights.benchmarks.deploy",
    "flowlights.deploy.soak": "flowlights.benchmarks.deploy_soak",
    # flowlights' own earlier homes (docs/environment.md, users' experiment configs)
    "flowlights.observations": "flowlights.features.observations",
    "flowlights.rewards": "flowlights.features.rewards",
    "flowlights.experiment_params": "flowlights.params.experiment",
}


class KeptPaths(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """A finder and loader for the old paths in ``KEPT``: the module found is the new one itself."""

    def __init__(self) -> None:
        self._own_specs: dict[str, Optional[importlib.machinery.ModuleSpec]] = {}

    def find_spec(
        self, fullname: str, path: Optional[Sequence[str]] = None, target: Optional[ModuleType] = None
    ) -> Optional[importlib.machinery.ModuleSpec]:
        return importlib.machinery.ModuleSpec(fullname, self) if fullname in KEPT else None

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        module = importlib.import_module(KEPT[spec.name])
        self._own_specs[spec.name] = module.__spec__  # the import machinery sets the old path's spec: put it back
        return module

    def exec_module(self, module: ModuleType) -> None:
        module.__spec__ = self._own_specs.pop(module.__spec__.name)

    def get_code(self, fullname: str) -> Optional[CodeType]:
        """The new module's code, for ``python -m OLD.PATH`` (runpy runs it as ``__main__``)."""
        spec = importlib.util.find_spec(KEPT[fullname])
        return spec.loader.get_code(KEPT[fullname]) if spec and spec.loader else None


def install() -> None:
    """Make the old paths importable (once per process)."""
    if not any(isinstance(finder, KeptPaths) for finder in sys.meta_path):
        sys.meta_path.insert(0, KeptPaths())  # first: a folder left at an old path must not shadow it
