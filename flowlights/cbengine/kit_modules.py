"""What a final-round agent folder imports besides its own files, so that its ``CBEngine_round3.py`` runs as is.

The kit's ``CBEngine_round3`` subclasses ``CBEngine_rllib.CBEngine_rllib.CBEngine_rllib`` (inside CBEngine's
docker image) and reads the engine through ``self.eng``; it also imports ``citypb`` (CBEngine's compiled engine).
``install()`` registers:
- ``CBEngine_rllib.CBEngine_rllib.CBEngine_rllib``: flowlights' ``CBEngineRLlibEnv`` with an ``eng`` that answers the
  engine calls the kit's examples make (``get_vehicles``, ``get_vehicle_info``, ``get_lane_vehicles``,
  ``get_lane_vehicle_count``, ``get_vehicle_speed``, ``get_current_time``) from SUMO;
- ``citypb``: an empty module (any use of it says that CBEngine's engine is not here).
"""

from __future__ import annotations

import sys
import types
from typing import Any

from flowlights.cbengine.world import kit_id
from flowlights.errors import ConfigError


class Engine:
    """CBEngine's engine calls, answered from a CBEngineWorld (ids as CBEngine gives them: ints)."""

    def __init__(self, world: Any) -> None:
        self.world = world

    def get_current_time(self) -> float:
        return self.world.time

    def get_vehicles(self) -> list[Any]:
        return [kit_id(v) for v in self.world.running()]

    def get_vehicle_info(self, vehicle_id: Any) -> dict[str, list[float]]:
        return self.world.vehicle_info(str(vehicle_id))

    def get_vehicle_speed(self) -> dict[Any, float]:
        return {kit_id(v): self.world.vehicle_info(v)["speed"][0] for v in self.world.running()}

    def get_lane_vehicles(self) -> dict[int, list[Any]]:
        """{CBEngine lane id: [vehicle ids]} for the lanes that hold vehicles (not those crossing an intersection)."""
        out: dict[int, list[Any]] = {}
        for vid in self.world.running():
            lane = int(self.world.vehicle_info(vid)["drivable"][0])
            if lane >= 0:
                out.setdefault(lane, []).append(kit_id(vid))
        return out

    def get_lane_vehicle_count(self) -> dict[int, int]:
        return {lane: len(ids) for lane, ids in self.get_lane_vehicles().items()}


class EngineMissing(ConfigError, AttributeError):
    """What using ``citypb`` raises (an AttributeError too, so ``hasattr`` and module scanners keep working)."""


class _NoEngine(types.ModuleType):
    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):  # __file__, __spec__...: what tools ask any module
            raise AttributeError(name)
        raise EngineMissing(
            f"citypb.{name}: CBEngine's compiled engine is not available; flowlights runs the scenario "
            "on SUMO — use self.eng (get_vehicles, get_vehicle_info, get_lane_vehicles, ...) instead."
        )


def install() -> None:
    """Register the modules (idempotent; a real ``CBEngine_rllib`` or ``citypb`` already imported is left alone)."""
    from flowlights.cbengine.rllib_env import CBEngineRLlibEnv  # optional: ray (rllib extra), which rllib_env imports

    class CBEngine_rllib(CBEngineRLlibEnv):  # noqa: N801 - the kit's name
        """The kit's base class: flowlights' RLlib env, with ``eng``."""

        def __init__(self, config: Any) -> None:
            super().__init__(config)
            self.eng = Engine(self.world)

    if "CBEngine_rllib" not in sys.modules:
        package = types.ModuleType("CBEngine_rllib")
        package.__path__ = []  # a package, so that CBEngine_rllib.CBEngine_rllib imports
        module = types.ModuleType("CBEngine_rllib.CBEngine_rllib")
        module.CBEngine_rllib = CBEngine_rllib  # type: ignore[attr-defined]
        package.CBEngine_rllib = module  # type: ignore[attr-defined]
        sys.modules["CBEngine_rllib"], sys.modules["CBEngine_rllib.CBEngine_rllib"] = package, module
    sys.modules.setdefault("citypb", _NoEngine("citypb"))
