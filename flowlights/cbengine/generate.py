"""Write a CBEngine scenario (road network, flows, simulator.cfg): a grid of signals with random routes.

For trying an agent folder without the competition's data, and for the tests (no third-party data in the repo):
``python -m flowlights.cbengine.generate OUT_DIR [--rows 3 --cols 3 --vehicles-per-hour 2500 --seconds 1800]``.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

LANES = "1 0 0 0 1 0 0 1 1"  # left-only, straight, straight+right: the KDD Cup networks' usual lanes


def write_grid(
    folder: Path | str,
    rows: int = 2,
    cols: int = 2,
    length: float = 300.0,
    speed: float = 16.67,
    vehicles_per_hour: float = 900.0,
    seconds: int = 600,
    seed: int = 0,
    missing: tuple[int, ...] = (),
    lanes: str = LANES,
) -> Path:
    """A rows x cols grid of signals with dead-end nodes around it; random routes through it (one flow per
    vehicle, as the final round's flow files). ``missing``: boundary arms (by index) left out, giving 3-arm
    signals. Returns the simulator.cfg path."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    step = 0.0027  # ~300 m
    nodes: dict[tuple[int, int], int] = {}
    lines_nodes, next_id = [], 100
    signal_ids = set()
    for r in range(-1, rows + 1):
        for c in range(-1, cols + 1):
            inner = 0 <= r < rows and 0 <= c < cols
            edge_node = (r in (-1, rows)) != (c in (-1, cols))
            if not (inner or edge_node):
                continue
            nodes[(r, c)] = next_id
            if inner:
                signal_ids.add(next_id)
            lines_nodes.append(f"{30 + r * step:.6f} {120 + c * step:.6f} {next_id} {int(inner)}")
            next_id += 1
    roads: dict[tuple[int, int], int] = {}  # (from node, to node) -> road id
    road_lines, arm, rid = [], 0, 1
    for (r, c), a in sorted(nodes.items()):
        for dr, dc in ((1, 0), (0, 1)):
            b = nodes.get((r + dr, c + dc))
            if b is None or (a not in signal_ids and b not in signal_ids):
                continue
            if a not in signal_ids or b not in signal_ids:
                arm += 1
                if arm - 1 in missing:
                    continue
            roads[(a, b)], roads[(b, a)] = rid, rid + 1
            road_lines += [f"{a} {b} {length:g} {speed:g} 3 3 {rid} {rid + 1}", lanes, lanes]
            rid += 2
    signal_lines = []
    for (r, c), sid in sorted(nodes.items()):
        if sid not in signal_ids:
            continue
        around = [nodes.get(p) for p in ((r + 1, c), (r, c + 1), (r - 1, c), (r, c - 1))]  # N E S W: clockwise
        signal_lines.append(f"{sid} " + " ".join(str(roads.get((sid, n), -1)) for n in around))
    (folder / "roadnet.txt").write_text(
        "\n".join(
            [
                str(len(lines_nodes)),
                *lines_nodes,
                str(len(road_lines) // 3),
                *road_lines,
                str(len(signal_lines)),
                *signal_lines,
            ]
        )
        + "\n"
    )
    # random routes between dead ends (shortest in turns: go straight then turn once)
    rng = random.Random(seed)
    out_of: dict[int, list[int]] = {}
    for (a, b), road in roads.items():
        out_of.setdefault(a, []).append(road)
    ends = {road: b for (a, b), road in roads.items()}
    starts = [road for (a, b), road in roads.items() if a not in signal_ids]
    flows = []
    for _ in range(int(vehicles_per_hour * seconds / 3600)):
        route = [rng.choice(starts)]
        while ends[route[-1]] in signal_ids and len(route) < 12:
            back = {road for (a, b), road in roads.items() if (b, a) in roads and roads[(b, a)] == route[-1]}
            options = [r for r in out_of[ends[route[-1]]] if r not in back]
            route.append(rng.choice(options))
        if ends[route[-1]] in signal_ids:
            continue
        t = rng.randrange(0, max(1, seconds - 60))
        flows.append(f"{t} {t} 1\n{len(route)}\n{' '.join(map(str, route))}")
    (folder / "flow.txt").write_text(f"{len(flows)}\n" + "\n".join(flows) + "\n")
    cfg = folder / "simulator.cfg"
    cfg.write_text(
        f"start_time_epoch = 0\nmax_time_epoch = {seconds}\n\nroad_file_addr : roadnet.txt\n"
        f"vehicle_file_addr : flow.txt\n\nreport_log_mode : normal\nreport_log_addr : log/\n"
        "report_log_rate = 10\nwarning_stop_time_log = 100\n"
    )
    return cfg


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path)
    parser.add_argument("--rows", type=int, default=3)
    parser.add_argument("--cols", type=int, default=3)
    parser.add_argument("--length", type=float, default=300.0, help="road length in m")
    parser.add_argument("--vehicles-per-hour", type=float, default=2500.0)
    parser.add_argument("--seconds", type=int, default=1800)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    cfg = write_grid(
        args.out,
        args.rows,
        args.cols,
        args.length,
        vehicles_per_hour=args.vehicles_per_hour,
        seconds=args.seconds,
        seed=args.seed,
    )
    print(f"wrote {cfg}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
