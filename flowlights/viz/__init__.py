"""Seeing it: sumo-gui replay and videos, rgb_array rendering, plots."""
