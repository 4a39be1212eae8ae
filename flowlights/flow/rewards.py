"""Flow's ``flow.core.rewards`` import path (``from flowlights.core import rewards``)."""

from flowlights.flow.envs.rewards import (  # noqa: F401
    average_velocity,
    avg_delay_specified_vehicles,
    boolean_action_penalty,
    desired_velocity,
    min_delay,
    min_delay_unscaled,
    penalize_headway_variance,
    penalize_near_standstill,
    penalize_standstill,
    rl_forward_progress,
)
