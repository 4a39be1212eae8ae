"""RLlib callback that reports flowlights' episode metrics (from the final infos) to RLlib."""
from __future__ import annotations

from typing import Any

from ray.rllib.callbacks.callbacks import RLlibCallback

REPORTED = ("mean_delay", "mean_travel_time", "mean_waiting_time", "arrived", "teleports")


class EpisodeMetricsCallback(RLlibCallback):
    def on_episode_end(self, *, episode: Any, metrics_logger: Any = None, **kwargs: Any) -> None:
        infos = episode.get_infos(-1)
        for info in infos.values():
            final = info.get("episode_metrics") if isinstance(info, dict) else None
            if final:
                for key in REPORTED:
                    metrics_logger.log_value(f"flowlights/{key}", final[key], reduce="mean", window=20)
                return
