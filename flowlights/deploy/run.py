"""``flowlights deploy``: run a scenario with every light as its own service, and report it as
``flowlights evaluate`` does (same metrics, same episode runner), plus what the services did."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any, Callable, Iterator, Optional

from flowlights.baselines import make_controller
from flowlights.baselines.base import Controller
from flowlights.deploy.dashboard import serve_dashboard
from flowlights.deploy.deployed import DeployedController
from flowlights.errors import ConfigError
from flowlights.evaluation.evaluate import evaluate, write_report
from flowlights.training.ray_session import ray_session


@contextlib.contextmanager
def ray_running(num_cpus: Optional[int] = None) -> Iterator[None]:
    """Use the Ray already running in this process, else start a quiet local one for the deployment."""
    import ray  # optional: ray (rllib extra)

    if ray.is_initialized():
        yield
        return
    with ray_session(num_cpus=num_cpus):
        yield


def parse_kills(specs: list[str]) -> list[tuple[str, float]]:
    """``LIGHT@SECONDS`` items (kill that light's service at that simulated time)."""
    out = []
    for spec in specs:
        light, _, at = spec.rpartition("@")
        try:
            out.append((light, float(at)))
        except ValueError:
            raise ConfigError(f"--kill {spec!r} must be LIGHT@SECONDS, e.g. A0@300.") from None
        if not light:
            raise ConfigError(f"--kill {spec!r} names no light; use LIGHT@SECONDS, e.g. A0@300.")
    return out


def deploy(
    scenario: Optional[str],
    controller: str | Controller = "max_pressure",
    bus: str = "ray",
    realtime: bool = False,
    speed: float = 1.0,
    episodes: int = 1,
    seed: int = 0,
    out: Optional[Path] = None,
    progress: bool = True,
    kills: Optional[list[tuple[str, float]]] = None,
    dashboard: Optional[int] = None,
    dashboard_host: str = "127.0.0.1",
    train: bool = False,
    save_dir: Optional[Path] = None,
    namespace: Optional[str] = None,
    bus_key: Optional[str] = None,
    during: Optional[Callable[[DeployedController, contextlib.ExitStack], None]] = None,
    **env_kwargs: Any,
) -> dict[str, Any]:
    """Run ``episodes`` episodes with the lights as services on ``bus``; the evaluate report plus ``deploy``.
    ``train``: the lights keep learning online and save their modules to ``save_dir`` (default ``out/lights``).
    ``during(deployed, stack)``: starts what runs beside the deployment, registering its clean-up on ``stack``."""
    inner = make_controller(controller) if isinstance(controller, str) else controller
    if train and save_dir is None and out is not None:
        save_dir = Path(out) / "lights"
    deployed = DeployedController(
        inner,
        bus=bus,
        realtime=realtime,
        speed=speed,
        kills=kills,
        train=train,
        save_dir=save_dir,
        namespace=namespace,
        bus_key=bus_key,
    )
    with ray_running(), contextlib.ExitStack() as stack:
        if dashboard is not None:
            hub = stack.enter_context(
                serve_dashboard(deployed, dashboard, topic=deployed.display_topic, host=dashboard_host)
            )
        if during is not None:  # what runs beside the deployment (the soak's fault injectors), closed with it
            during(deployed, stack)
        try:
            report = evaluate(
                scenario, deployed, episodes=episodes, seed=seed, out=None, progress=progress, **env_kwargs
            )
            report["deploy"] = {
                "bus": bus,
                "namespace": deployed.namespace,
                "signed": bus_key is not None,
                "mode": "realtime" if realtime else "lockstep",
                "speed": speed if realtime else None,
                "train": train,
                "saved_to": str(save_dir) if train and save_dir is not None else None,
                **deployed.stats.summary(),
                "kills": deployed.killed,
                "services": deployed.service_status(max_age=0),
            }
            if dashboard is not None:  # frames a slow page lost (its own oldest), never blocking the others
                report["deploy"]["dashboard"] = {"frames": hub.frames, "dropped": hub.dropped}
        finally:
            deployed.shutdown()
    if out is not None:
        write_report(report, Path(out))
    return report
