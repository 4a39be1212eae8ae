"""One SUMO run: build the command line, start/reload, step, detect a crash, close.

libsumo (default) runs SUMO inside this process, so only one libsumo simulation can run per
process; TraCI runs SUMO as a child process per connection, which allows several
simulations side by side and sumo-gui.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import os
import sys
import time
from pathlib import Path
from typing import Any, Optional, Protocol, Sequence

from traci.exceptions import FatalTraCIError, TraCIException

from flowlights.errors import ConfigError, ScenarioRejected, SimulationError
from flowlights.sim.sumo_home import sumo_binary

_labels = itertools.count()
_libsumo_owner: Optional[int] = None  # id() of the SumoSimulation that holds libsumo


def _seconds(value: float) -> str:
    return f"{float(value):g}"


def _merge_additional(own: list[str], extra: list[str]) -> tuple[list[str], list[str]]:
    """Pull ``--additional-files``/``-a`` out of the extra args so SUMO sees a single list."""
    rest: list[str] = []
    files = list(own)
    it = iter(extra)
    for arg in it:
        if arg in ("-a", "--additional-files"):
            files.extend(v for v in next(it, "").split(",") if v)
        elif arg.startswith("--additional-files="):
            files.extend(v for v in arg.split("=", 1)[1].split(",") if v)
        else:
            rest.append(arg)
    return files, rest


class ScenarioFiles(Protocol):
    """What a simulation reads of a scenario (``flowlights.networks.NetworkFile`` is one)."""

    name: str
    net_file: Path
    route_files: Sequence[Path]
    additional_files: Sequence[Path]
    sumocfg: Optional[Path]
    begin: float
    end: float


class SumoOptions(Protocol):
    """What a simulation reads of its settings (``flowlights.params.SumoParams`` is one)."""

    backend: str
    gui: bool
    step_length: float
    begin: Optional[float]
    end: Optional[float]
    time_to_teleport: Optional[float]
    sumo_args: Sequence[str]
    tripinfo_output: Optional[str]
    restart_instance: bool


def sumo_exceptions() -> tuple[type[BaseException], ...]:
    """What SUMO's clients raise when SUMO fails: TraCI's errors, a closed socket, libsumo's errors."""
    found: list[type[BaseException]] = [FatalTraCIError, TraCIException, ConnectionError, OSError]
    libsumo = sys.modules.get("libsumo")  # only when the libsumo backend has loaded it
    error = getattr(libsumo, "TraCIException", None)
    if isinstance(error, type):
        found.append(error)
    return tuple(found)


class SumoSimulation:
    """A SUMO simulation of one scenario, restartable, through libsumo or TraCI."""

    def __init__(self, scenario: ScenarioFiles, params: SumoOptions) -> None:
        self.scenario = scenario
        self.params = params
        self.begin = params.begin if params.begin is not None else scenario.begin
        self.end = params.end if params.end is not None else scenario.end
        if self.end <= self.begin:
            raise ConfigError(f"end={self.end!r} must be later than begin={self.begin!r}.")
        self.api: Any = None
        self.extra_additional: list[Path] = []  # files the env adds (generated detectors...)
        self._label: Optional[str] = None
        self._broken = False
        self._steps = 0
        self.step_seconds = 0.0  # wall time spent inside SUMO's step since start/reload (for benchmarks)

    # -- command line -------------------------------------------------------------------
    def command(self, seed: int) -> list[str]:
        """The full SUMO command line for one run with this seed.

        A scenario given as a .sumocfg runs that file (``-c``), so every option in it applies;
        flowlights then sets only what it must: the window (begin/end), seed, step length, the trip
        statistics it reads, its own outputs, the quiet log, and — where the scenario or the user
        gives them — route and additional files (SUMO takes one list of each) and teleporting.
        """
        p, s = self.params, self.scenario
        own = list(dict.fromkeys([*s.additional_files, *self.extra_additional]))
        additional, extra = _merge_additional(own, list(p.sumo_args))
        cmd = [sumo_binary("sumo-gui" if p.gui else "sumo")]
        if s.sumocfg is not None:
            cmd += ["-c", str(s.sumocfg)]
        else:
            cmd += ["--net-file", str(s.net_file)]
        if s.route_files:
            cmd += ["--route-files", ",".join(str(r) for r in s.route_files)]
        cmd += [
            "--begin",
            _seconds(self.begin),
            "--end",
            _seconds(self.end),
            "--step-length",
            _seconds(p.step_length),
            "--seed",
            str(int(seed)),
            "--no-step-log",
            "true",
            "--no-warnings",
            "true",
            "--device.tripinfo.probability",
            "1",  # trip statistics for episode_metrics, silently
        ]
        if p.time_to_teleport is not None:
            cmd += ["--time-to-teleport", _seconds(p.time_to_teleport)]
        if additional:
            cmd += ["--additional-files", ",".join(str(a) for a in additional)]
        if p.tripinfo_output:
            cmd += ["--tripinfo-output", str(p.tripinfo_output)]
        if p.gui:
            cmd += ["--start", "true", "--quit-on-end", "true"]
        return cmd + extra

    # -- life cycle -----------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self.api is not None

    def start(self, seed: int) -> None:
        """Start SUMO, or reload the running one (faster), for a new episode."""
        cmd = self.command(seed)
        self._steps = 0
        self.step_seconds = 0.0
        if self.running and not self._broken and not getattr(self.params, "restart_instance", False):
            try:
                self.api.load(cmd[1:])
                return
            except Exception:  # a failed reload: start afresh below
                self.close()
        self.close()
        self._broken = False
        try:
            if self.params.backend == "libsumo":
                self._start_libsumo(cmd)
            else:
                self._start_traci(cmd)
        except (ConfigError, SimulationError):
            raise
        except Exception as exc:
            self.close()
            raise ScenarioRejected(
                f"SUMO failed to start ({self.params.backend}): {str(exc).strip()} — fix the file it names. "
                f"Command: {' '.join(cmd)}"
            ) from exc

    def _start_libsumo(self, cmd: list[str]) -> None:
        global _libsumo_owner
        if _libsumo_owner is not None and _libsumo_owner != id(self):
            raise ConfigError(
                "libsumo runs one simulation per process and another flowlights environment is "
                "running in this one; close() it first, or use backend='traci' for several at once."
            )
        with contextlib.redirect_stdout(io.StringIO()):  # libsumo prints a pyarrow notice on import
            import libsumo  # backend: libsumo loads only in the process that runs it

        try:
            libsumo.start(cmd)
        except Exception:
            with contextlib.suppress(Exception):  # a half-started libsumo must not block the next start
                libsumo.close()
            raise
        _libsumo_owner = id(self)  # only once it runs: a failed start leaves libsumo free for the next env
        self.api = libsumo

    def _start_traci(self, cmd: list[str]) -> None:
        import traci  # backend: traci loads only in the process that runs it

        self._label = f"flowlights-{os.getpid()}-{next(_labels)}"
        with contextlib.redirect_stdout(io.StringIO()):  # traci prints " Retrying in 1 seconds" while SUMO starts
            traci.start(cmd, label=self._label, stdout=None)
        self.api = traci.getConnection(self._label)

    def failed(self, exc: BaseException, during: str) -> SimulationError:
        """Mark SUMO dead after ``exc`` and return the SimulationError to raise, naming what happened."""
        self._broken = True
        return SimulationError(
            f"SUMO failed while {during} ({self.params.backend}, scenario {self.scenario.name}): "
            f"{type(exc).__name__}: {exc}. The episode ended; reset() starts a fresh SUMO."
        )

    def step(self, steps: int = 1) -> None:
        """Advance SUMO by ``steps`` steps in one call (subscriptions are computed once, at the
        end); a failure becomes a SimulationError and marks SUMO dead."""
        self._steps += steps
        start = time.perf_counter()
        try:
            self.api.simulationStep(self.begin + self._steps * self.params.step_length)
        except Exception as exc:
            raise self.failed(exc, "stepping") from exc
        finally:
            self.step_seconds += time.perf_counter() - start

    @property
    def time(self) -> float:
        return float(self.api.simulation.getTime())

    @property
    def process(self) -> Any:
        """The SUMO child process (TraCI backend only), e.g. to check it has ended."""
        return getattr(self.api, "_process", None)

    def close(self) -> None:
        """Stop SUMO; with TraCI, wait for the child process to end."""
        global _libsumo_owner
        api, self.api = self.api, None
        if api is None:
            return
        process = getattr(api, "_process", None)
        try:
            api.close()
        except Exception:
            pass
        if process is not None and process.poll() is None:
            process.kill()
            process.wait(timeout=10)
        if self.params.backend == "libsumo" and _libsumo_owner == id(self):
            _libsumo_owner = None
