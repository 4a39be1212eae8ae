"""RLlib callback that reports flowlights' episode metrics (from the final infos) to RLlib."""

from __future__ import annotations

from typing import Any

from ray.rllib.callbacks.callbacks import RLlibCallback

from flowlights.sim.statistics import TRAINING_METRICS


class EpisodeMetricsCallback(RLlibCallback):
    def on_episode_end(self, *, episode: Any, metrics_logger: Any = None, **kwargs: Any) -> None:
        infos = episode.get_infos(-1)
        for info in infos.values():
            final = info.get("episode_metrics") if isinstance(info, dict) else None
            if final:
                for key in TRAINING_METRICS:
                    metrics_logger.log_value(f"flowlights/{key}", final[key], reduce="mean", window=20)
                return
