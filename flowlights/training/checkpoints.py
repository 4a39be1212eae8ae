"""Where a results folder of 'flowlights train' keeps its checkpoints (``checkpoints/iter_000042``): one place for the
layout that training writes and evaluation reads, free of Ray so that readers import it cheaply."""

from __future__ import annotations

from pathlib import Path


def checkpoint_path(run: Path, iteration: int | str) -> Path:
    """A run's checkpoint folder for an iteration (42 -> ``checkpoints/iter_000042``), or for a name such as
    ``iter_000042`` itself."""
    return Path(run) / "checkpoints" / (iteration if isinstance(iteration, str) else f"iter_{iteration:06d}")


def run_checkpoints(run: Path) -> list[Path]:
    """The checkpoints a results folder of 'flowlights train' saved (``checkpoints/iter_*``), oldest first."""
    return sorted((Path(run) / "checkpoints").glob("iter_*"))
