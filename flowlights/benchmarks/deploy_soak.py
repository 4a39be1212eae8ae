"""Soak under faults: a deployment runs a long episode while a light is killed every few minutes, a
malformed message lands on its cluster topic every second, and a dashboard client connects and never
reads. It passes when the metrics equal ``evaluate``'s, memory stays flat (simulation side plus light
processes: < 5% growth from minute 10 to the end) and every fault is counted in the report.

``flowlights benchmark deploy-soak [--scenario grid2x2] [--bus ray] [--hours 1] [--out docs/results]``
writes ``soak.json`` and the generated page ``soak.md``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import socket
import sys
import threading
import time
from pathlib import Path
from typing import Any, Iterator, Optional

import numpy as np

from flowlights.common.markdown import markdown_table
from flowlights.common.provenance import stamp
from flowlights.deploy.bus import open_bus, partition_address
from flowlights.deploy.deployed import DeployedController
from flowlights.deploy.run import deploy
from flowlights.envs.factory import make_env
from flowlights.evaluation.evaluate import evaluate

COMPARED = ("mean_delay", "mean_travel_time", "throughput", "resco_delay")
NAMESPACE = "soak"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def beside(loop: Any, stop: threading.Event) -> Iterator[None]:
    """Run ``loop`` in a thread for as long as the block runs; ``stop`` tells it to end."""
    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=10)


@contextlib.contextmanager
def injecting(deployed: DeployedController, every: float, counts: dict[str, int]) -> Iterator[None]:
    """Publish a malformed message every ``every`` wall seconds, by turns on a cluster topic and on a light's
    manager partition (what a broken or hostile client would send)."""
    stop = threading.Event()
    garbage = [
        {"kind": "decision", "light": "A0"},  # no seq
        {"kind": "decision", "light": "nobody", "seq": 1, "action": 0},  # a light not deployed
        {"kind": "reading", "light": "A0", "seq": "x"},
        {"kind": 42},
    ]

    def run() -> None:
        while deployed.bus is None and not stop.is_set():
            time.sleep(0.1)
        if stop.is_set():
            return
        bus = open_bus(deployed.bus.url, deployed.bus_key)
        cluster = f"{deployed.namespace}.cluster0"
        manager = partition_address(f"{deployed.namespace}.manager0", 0)
        k = 0
        while not stop.wait(every):
            bus.publish(cluster if k % 2 == 0 else manager, garbage[k % len(garbage)])
            counts["cluster" if k % 2 == 0 else "manager"] += 1
            k += 1
        bus.close()

    with beside(run, stop):
        yield


@contextlib.contextmanager
def stalled_client(port: int) -> Iterator[None]:
    """A dashboard client that subscribes to the frames and never reads one."""
    deadline = time.monotonic() + 120
    sock: Optional[socket.socket] = None
    while sock is None and time.monotonic() < deadline:
        try:
            sock = socket.create_connection(("127.0.0.1", port), timeout=1)
        except OSError:
            time.sleep(0.2)
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.sendall(b"GET /events HTTP/1.1\r\nHost: soak\r\n\r\n")
    try:
        yield
    finally:
        if sock is not None:
            sock.close()


@contextlib.contextmanager
def sampling_memory(deployed: DeployedController, samples: list[tuple[float, float]]) -> Iterator[None]:
    """(simulated second, MB resident in this process and every light process) every 2 s."""
    stop = threading.Event()

    def run() -> None:
        while not stop.wait(2.0):
            if deployed.env is None or not deployed.supervisors:
                continue
            pids = [s.get("pid") for s in deployed.service_status(max_age=5).values()]
            rss = resident_mb(os.getpid()) + sum(resident_mb(pid) for pid in pids if pid)
            samples.append((deployed.sim_time, rss))  # never SUMO itself: libsumo is not thread-safe

    with beside(run, stop):
        yield


def resident_mb(pid: int) -> float:
    """Resident memory of a process in MB (Linux /proc; 0 for a process that is gone)."""
    try:
        pages = int(Path(f"/proc/{pid}/statm").read_text().split()[1])
    except (OSError, ValueError, IndexError):
        return 0.0
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def memory_window_means(samples: list[tuple[float, float]], from_second: float = 600.0) -> tuple[float, float]:
    """Mean resident MB over the first minute after ``from_second`` and over the last minute sampled (NaN for
    a window with no sample: a soak shorter than ``from_second`` has no start window)."""
    times = np.array([t for t, _ in samples])
    mb = np.array([m for _, m in samples])
    if not len(samples):
        return float("nan"), float("nan")
    start = mb[(times >= from_second) & (times < from_second + 60)]
    end = mb[times >= times.max() - 60]
    return (float(start.mean()) if len(start) else float("nan"), float(end.mean()) if len(end) else float("nan"))


def memory_growth(samples: list[tuple[float, float]], from_second: float = 600.0) -> float:
    """Growth of resident memory between the two windows of :func:`memory_window_means` (a fraction: 0.05 is
    5%; NaN without both windows)."""
    start, end = memory_window_means(samples, from_second)
    return end / start - 1.0


def soak(
    scenario: str = "grid2x2",
    bus: str = "ray",
    hours: float = 1.0,
    kill_every: float = 300.0,
    malformed_every: float = 1.0,
    controller: str = "max_pressure",
) -> dict[str, Any]:
    """Run the soak; its figures (``passed`` says whether every check held)."""
    end = 3600.0 * hours
    reference = evaluate(scenario, controller, end=end, progress=False)
    env = make_env(scenario=scenario)
    lights = list(env.possible_agents)
    env.close()
    kills = [(lights[k % len(lights)], t) for k, t in enumerate(np.arange(kill_every, end, kill_every))]
    counts = {"cluster": 0, "manager": 0}
    samples: list[tuple[float, float]] = []
    port = free_port()

    def during(deployed: DeployedController, stack: contextlib.ExitStack) -> None:
        stack.enter_context(injecting(deployed, malformed_every, counts))
        stack.enter_context(stalled_client(port))
        stack.enter_context(sampling_memory(deployed, samples))

    report = deploy(
        scenario, controller, bus=bus, end=end, kills=kills, dashboard=port, namespace=NAMESPACE, during=during
    )
    d = report["deploy"]
    services = d["services"]
    equal = all(report["summary"][k]["mean"] == reference["summary"][k]["mean"] for k in COMPARED)
    restarts = sum(s["restarts"] for s in services.values())
    seen_by_lights = sum(s["stats"].get("malformed", 0) + s["stats"].get("unknown", 0) for s in services.values())
    growth = memory_growth(samples)
    memory_start, memory_end = memory_window_means(samples)
    result = {
        "scenario": scenario,
        "bus": bus,
        "simulated_hours": hours,
        "controller": controller,
        "kills": len(kills),
        "restarts": restarts,
        "malformed_sent": counts["cluster"] + counts["manager"],
        "malformed_counted_by_simulation": d["malformed"] + d["unknown"],
        "malformed_counted_by_lights": seen_by_lights,
        "equal_to_evaluate": equal,
        "mean_delay": report["summary"]["mean_delay"]["mean"],
        "evaluate_mean_delay": reference["summary"]["mean_delay"]["mean"],
        "memory_mb_start": memory_start,
        "memory_mb_end": memory_end,
        "memory_growth": growth,
        "wall_seconds": d["wall_seconds"],
        "decisions": d["decisions_applied"],
        "dashboard_frames": d["dashboard"]["frames"],
        "dashboard_dropped_for_the_stalled_client": d["dashboard"]["dropped"],
    }
    result["passed"] = bool(
        equal
        and restarts == len(kills)
        and result["malformed_counted_by_simulation"] + seen_by_lights > 0
        and growth < 0.05
    )
    return result


def write_page(result: dict[str, Any], out: Path, command: str) -> Path:
    """``soak.json`` and the generated ``soak.md`` (command, set-up, table, date)."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "soak.json").write_text(json.dumps(result, indent=2))
    rows = [
        ("metrics equal evaluate's", "yes" if result["equal_to_evaluate"] else "NO"),
        ("mean delay (deployed / evaluate)", f"{result['mean_delay']:.2f} / {result['evaluate_mean_delay']:.2f} s"),
        ("lights killed / restarted", f"{result['kills']} / {result['restarts']}"),
        ("malformed messages sent", result["malformed_sent"]),
        ("... dropped and counted by the simulation side", result["malformed_counted_by_simulation"]),
        ("... dropped and counted by the lights", result["malformed_counted_by_lights"]),
        (
            "dashboard frames / dropped for the stalled client",
            f"{result['dashboard_frames']} / {result['dashboard_dropped_for_the_stalled_client']}",
        ),
        (
            "memory (mean over simulated minute 10 -> over the last minute)",
            f"{result['memory_mb_start']:.0f} -> {result['memory_mb_end']:.0f} MB",
        ),
        ("memory growth (bar: < 5%)", f"{100 * result['memory_growth']:+.1f}%"),
        ("decisions applied", result["decisions"]),
        ("wall time", f"{result['wall_seconds']:.0f} s"),
        ("passed", "yes" if result["passed"] else "NO"),
    ]
    page = [
        "# Soak under faults",
        "",
        "Generated by `flowlights benchmark deploy-soak`; do not edit by hand.",
        "",
        f"Command: `{command}`",
        "",
        f"Set-up: `flowlights deploy` of {result['controller']} on {result['scenario']}, bus {result['bus']}, lockstep, "
        f"{result['simulated_hours']:g} simulated hour(s); a light killed every 5 simulated minutes (by turns), a "
        "malformed message every wall second (alternately on the cluster topic and a light's manager partition), "
        "and a dashboard client that never reads. Memory: the simulation side plus every light process. A message "
        "sent to a light's partition while that light is down is never read (it reads from its restart on), so "
        "the lights may count a few fewer than the half sent to them.",
        "",
        markdown_table(["check", "result"], rows),
        "",
        stamp(),
        "",
    ]
    (out / "soak.md").write_text("\n".join(page))
    return out / "soak.md"


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="flowlights benchmark deploy-soak", description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenario", default="grid2x2")
    parser.add_argument("--bus", default="ray")
    parser.add_argument("--hours", type=float, default=1.0)
    parser.add_argument("--out", type=Path, default=Path("docs/results"))
    args = parser.parse_args(argv)
    result = soak(args.scenario, args.bus, args.hours)
    command = "flowlights benchmark deploy-soak " + " ".join(argv if argv is not None else sys.argv[1:])
    print(json.dumps(result, indent=2))
    print(f"wrote {write_page(result, args.out, command.strip())}")
    return 0 if result["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
