"""Lights as services, measured: latency, messages/s, restart time, lockstep == evaluate (flowlights.deploy.benchmark)."""

import argparse
from pathlib import Path

from flowlights.deploy.benchmark import bench_online, main

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--sizes", type=int, nargs="+", default=[4, 10], help="NxN grids (default 4 10: 16 and 100 lights)"
    )
    parser.add_argument(
        "--buses",
        nargs="+",
        default=["ray"],
        help="ray, redis, kafka (a broker started for the run) or a URL (redis://HOST:PORT, kafka://HOST:PORT)",
    )
    parser.add_argument("--page", type=Path, default=None, help="write the generated results page here")
    parser.add_argument("--end", type=float, default=600.0, help="simulated seconds per episode (default 600)")
    parser.add_argument("--json", type=Path, default=None, help="also write the rows here")
    parser.add_argument(
        "--online",
        type=Path,
        default=None,
        metavar="RESULT_DIR",
        help="instead: frozen vs learning (--train) deployment of this trained run, same seeds",
    )
    parser.add_argument("--episodes", type=int, default=6, help="with --online: episodes of each (default 6)")
    args = parser.parse_args()
    if args.online:
        bench_online(args.online, args.episodes, end=args.end)
    else:
        main(args.sizes, args.buses, args.end, args.json, args.page)
