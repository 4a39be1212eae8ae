"""Flow's world on flowlights: its params vocabulary (``flow.core.params``), rewards, vehicle controllers,
``make_create_env``, the old-stack policy names and its two command lines (``train_rllib.py``,
``visualizer_rllib.py``). Flow users keep Flow's paths: ``flowlights.core.params``, ``flowlights.controllers``,
``flowlights.utils.registry``, ``flowlights.compat`` (``flowlights.common.kept_paths``). Flow's env classes are
envs like the others and live in ``flowlights.envs``."""
