"""Names a Flow config imports from RLlib's old stack, on flowlights: ``from flowlights.compat import
PPOTFPolicy`` replaces ``from ray.rllib.agents.ppo.ppo_policy import PPOTFPolicy`` (see
docs/migrating-from-flow.md)."""

from flowlights.flow.training.policies import PPOTFPolicy, PPOTorchPolicy

__all__ = ["PPOTFPolicy", "PPOTorchPolicy"]
