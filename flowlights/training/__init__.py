"""Training with RLlib: experiment configs, RLlib configs, the train loop, trained policies."""
