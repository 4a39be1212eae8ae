"""matplotlib, set up once for the whole package: the Agg backend (drawing to files and arrays,
never a window), with an error naming the extra to install when it is missing."""

from __future__ import annotations

from typing import Any

from flowlights.errors import ConfigError


def pyplot(purpose: str = "plots") -> Any:
    """matplotlib.pyplot on the Agg backend; ``purpose`` names what needs it in the error."""
    try:
        import matplotlib  # optional: matplotlib (viz extra)
    except ImportError as exc:
        raise ConfigError(f"{purpose} need matplotlib: pip install -e '.[viz]' (or pip install matplotlib).") from exc
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # optional: matplotlib (viz extra)

    return plt
