"""Where flowlights writes what it can build again (generated networks, scenario files, references)."""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir() -> Path:
    """Where generated networks go: $FLOWLIGHTS_CACHE or ~/.cache/flowlights."""
    return Path(os.environ.get("FLOWLIGHTS_CACHE", Path.home() / ".cache" / "flowlights"))
