"""Soak: many episodes (or training iterations) back to back, with the process's resources measured
before and after — resident memory, open files, threads, child processes — to show nothing leaks.
This is ``flowlights benchmark soak``. Linux /proc is read directly (no extra dependency)."""

from __future__ import annotations

import contextlib
import gc
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Optional

from flowlights.common.markdown import markdown_table
from flowlights.common.progress import Progress


@dataclass(frozen=True)
class ProcessStats:
    rss_mib: float
    open_files: int
    threads: int
    children: int


def process_stats(pid: Optional[int] = None) -> ProcessStats:
    """Resident memory (MiB), open file descriptors, threads and live child processes of ``pid`` (default: this one)."""
    pid = pid or os.getpid()
    status = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    rss = float(status["VmRSS"].split()[0]) / 1024.0
    threads = int(status["Threads"])
    files = len(os.listdir(f"/proc/{pid}/fd"))
    children = 0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat[stat.rindex(")") + 2 :].split()
            if int(fields[1]) == pid and fields[0] != "Z":
                children += 1
    return ProcessStats(rss, files, threads, children)


@dataclass(frozen=True)
class SoakResult:
    what: str
    rounds: int
    start: ProcessStats  # after a warm-up round: one-off allocations (SUMO, imports) are not growth
    middle: ProcessStats
    end: ProcessStats

    @property
    def rss_growth(self) -> float:
        return self.end.rss_mib / self.start.rss_mib - 1.0

    @property
    def leaks(self) -> list[str]:
        """What leaks: RSS grown by 5% or more; open files, threads or child processes that grew in both
        halves of the run (steady growth; a one-off opened late, such as a log file, is not a leak)."""
        found = [f"RSS +{100 * self.rss_growth:.1f}%"] if self.rss_growth >= 0.05 else []
        for name in ("open_files", "threads", "children"):
            start, middle, end = (getattr(s, name) for s in (self.start, self.middle, self.end))
            if middle > start and end > middle:
                found.append(f"{name} {start} -> {middle} -> {end}")
        return found


def soak(what: str, rounds: int, one_round: Callable[[int], Any], progress: bool = True) -> SoakResult:
    """Run ``one_round(i)`` for i = 0..rounds (round 0 warms up), measuring this process before and after."""
    one_round(0)
    gc.collect()
    start = middle = process_stats()
    with Progress(rounds, what) if progress else contextlib.nullcontext() as bar:
        for i in range(1, rounds + 1):
            one_round(i)
            if i == rounds // 2:
                gc.collect()
                middle = process_stats()
            if bar is not None:
                bar.update(i, f"RSS {process_stats().rss_mib:.0f} MiB")
    gc.collect()
    return SoakResult(what, rounds, start, middle, process_stats())


def env_round(env: Any) -> Callable[[int], Any]:
    """One whole episode of random actions per round, on the same env (SUMO reloaded by reset)."""

    def run(i: int) -> None:
        env.reset(seed=i)
        for k, agent in enumerate(env.possible_agents):
            env.action_space(agent).seed(i * 1000 + k)
        while env.agents:
            env.step({a: env.action_space(a).sample() for a in env.agents})

    return run


def format_results(results: list[SoakResult]) -> str:
    header = [
        "soak",
        "rounds",
        "RSS start / middle / end (MiB)",
        "RSS growth",
        "open files",
        "threads",
        "children",
        "leaks",
    ]

    def trio(r: SoakResult, name: str) -> str:
        return " -> ".join(str(getattr(s, name)) for s in (r.start, r.middle, r.end))

    rows = [
        [
            r.what,
            r.rounds,
            f"{r.start.rss_mib:.1f} / {r.middle.rss_mib:.1f} / {r.end.rss_mib:.1f}",
            f"{100 * r.rss_growth:+.1f}%",
            trio(r, "open_files"),
            trio(r, "threads"),
            trio(r, "children"),
            ", ".join(r.leaks) or "none",
        ]
        for r in results
    ]
    return markdown_table(header, rows)
