"""Flow's rollouts of a trained policy (``visualizer_rllib.py``): returns, outflow and a video."""
