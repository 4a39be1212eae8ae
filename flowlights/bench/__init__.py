"""Benchmarks (not tests): they print figures, measured side by side in one run.

- ``speed``: simulated seconds per wall second of a random-action episode beside plain ``sumo``
  (and sumo-rl, installed into a throwaway venv by ``sumo_rl_reference``), alternately, medians and ratios;
- ``scale``: generated NxN grids, per-decision overhead per light and peak memory;
- ``rllib_throughput``: environment steps per second inside RLlib training.

``flowlights bench``, ``flowlights bench-scale``, ``flowlights bench-rllib`` and
``flowlights benchmark performance`` (all of them, for docs/performance.md) run them.
"""
