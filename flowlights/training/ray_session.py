"""Start or join Ray quietly, sized to this machine, and always shut it down."""

from __future__ import annotations

import contextlib
import logging
import os
from typing import Iterator, Optional

from flowlights.common.native_stderr import native_stderr_without

# what Ray's C++ core says at start-up when RAY_BACKEND_LOG_LEVEL is set: "[... I ...] logging.cc:303: Set ray log
# level from environment variable RAY_BACKEND_LOG_LEVEL to 3", no failure
RAY_START_NOISE = ("Set ray log level from environment variable",)


@contextlib.contextmanager
def ray_session(address: Optional[str] = None, num_cpus: Optional[int] = None) -> Iterator[None]:
    """Join the cluster at ``address``, or run a local Ray with ``num_cpus`` (default: all cores)."""
    import ray  # optional: ray (rllib extra)

    os.environ.setdefault("RAY_DEDUP_LOGS", "1")
    # Ray's C++ core prints an ERROR line at every start of RLlib's env runners ("... constructor arguments in the
    # object store and max_restarts > 0 ..."), which reads as a failure and is none; only fatal ones are shown
    # (failures still raise in Python; set RAY_BACKEND_LOG_LEVEL yourself to see more)
    os.environ.setdefault("RAY_BACKEND_LOG_LEVEL", "fatal")
    quiet = ray.LoggingConfig(encoding="TEXT", log_level="ERROR")
    with native_stderr_without(RAY_START_NOISE):
        if address:
            ray.init(address=address, logging_config=quiet, log_to_driver=False)
        else:
            ray.init(
                address="local",
                num_cpus=num_cpus or os.cpu_count(),
                include_dashboard=False,
                _node_ip_address="127.0.0.1",
                logging_config=quiet,
                log_to_driver=False,
            )
    logging.getLogger("ray").setLevel(logging.ERROR)
    logging.getLogger("ray.rllib").setLevel(logging.ERROR)
    try:
        yield
    finally:
        ray.shutdown()
