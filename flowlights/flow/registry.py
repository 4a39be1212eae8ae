"""Flow's import path for ``make_create_env`` (``from flow.utils.registry import make_create_env``);
the function lives in ``flowlights.training.create_env``."""

from flowlights.training.create_env import make_create_env

__all__ = ["make_create_env"]
