"""Where a results folder of 'flowlights train' keeps its checkpoints (``checkpoints/iter_000042``): one place for the
layout that training writes and evaluation reads, free of Ray so that readers import it cheaply."""

from __future__ import annotations

import json
from pathlib import Path

from flowlights.errors import ConfigError


def checkpoint_path(run: Path, iteration: int | str) -> Path:
    """A run's checkpoint folder for an iteration (42 -> ``checkpoints/iter_000042``), or for a name such as
    ``iter_000042`` itself."""
    return Path(run) / "checkpoints" / (iteration if isinstance(iteration, str) else f"iter_{iteration:06d}")


def run_checkpoints(run: Path) -> list[Path]:
    """The checkpoints a results folder of 'flowlights train' saved (``checkpoints/iter_*``), oldest first."""
    return sorted((Path(run) / "checkpoints").glob("iter_*"))


def latest_checkpoint(path: Path) -> Path:
    """A checkpoint folder itself, or the newest one under a results folder's checkpoints/."""
    path = Path(path).resolve()
    if (path / "learner_group").is_dir():
        return path
    found = run_checkpoints(path)
    if not found:
        raise ConfigError(
            f"no checkpoint in {str(path)!r}; give a results folder of 'flowlights train' or a checkpoint folder."
        )
    return found[-1]


def results_dir_of(checkpoint: Path) -> Path:
    """The results folder a checkpoint belongs to (a checkpoint outside one: the checkpoint itself)."""
    return checkpoint.parent.parent if checkpoint.parent.name == "checkpoints" else checkpoint


def is_export(folder: Path) -> bool:
    """A folder ``flowlights export`` wrote: params.json with an ``exported`` record, and ``policies/``."""
    folder = Path(folder)
    if not (folder / "params.json").is_file() or not (folder / "policies").is_dir():
        return False
    try:
        return "exported" in json.loads((folder / "params.json").read_text())
    except ValueError:
        return False


def experiment_folder(path: Path) -> Path:
    """The folder whose params.json describes ``path``'s policy: an export itself, else the results folder
    of its (latest) checkpoint."""
    return Path(path) if is_export(Path(path)) else results_dir_of(latest_checkpoint(Path(path)))
