"""Build the RLlib AlgorithmConfig of an experiment (RLlib 2.60, new API stack)."""

from __future__ import annotations

from typing import Any

from flowlights.errors import ConfigError
from flowlights.training.experiment import Experiment
from flowlights.training.policies import policy_setup

ALGORITHMS = ("PPO", "DQN")
PPO_DEFAULTS = {
    "lr": 3e-4,
    "gamma": 0.99,
    "train_batch_size_per_learner": 2000,
    "minibatch_size": 250,
    "num_epochs": 5,
    "entropy_coeff": 0.01,
    "lambda_": 0.95,
    "vf_loss_coeff": 0.5,
}
DQN_DEFAULTS = {
    "lr": 5e-4,
    "gamma": 0.99,
    "train_batch_size_per_learner": 64,
    "target_network_update_freq": 500,
    "n_step": 1,  # the lights are several agents: RLlib needs its multi-agent replay buffer
    "replay_buffer_config": {
        "type": "MultiAgentPrioritizedEpisodeReplayBuffer",
        "capacity": 50000,
        "alpha": 0.6,
        "beta": 0.4,
    },
}
MODEL_KEYS = ("fcnet_hiddens", "fcnet_activation")
# RLlib's .reporting() settings, accepted in ``training:`` too: how much one iteration samples, trains and waits
# (DQN samples at least 1000 env steps per iteration unless min_sample_timesteps_per_iteration says otherwise)
REPORTING_KEYS = (
    "min_sample_timesteps_per_iteration",
    "min_train_timesteps_per_iteration",
    "min_time_s_per_iteration",
    "metrics_num_episodes_for_smoothing",
)


def module_settings(probe_env: Any, algorithm: str, policies: Any, model_config: Any) -> dict[str, Any]:
    """RLlib's ``.rl_module(...)`` arguments: the default module, or the dict-observation PPO / DQN module for
    every policy when the env gives action masks or a prior (``EnvParams(action_mask=True)``, ``action_prior``)."""
    params = probe_env.env_params
    if params.action_prior is not None and algorithm != "PPO":
        raise ConfigError(
            f"action_prior={params.action_prior!r} shifts a policy's logits, which {algorithm} has not; "
            "train with PPO or drop action_prior."
        )
    if not params.action_mask and params.action_prior is None:
        return {"model_config": model_config}
    from ray.rllib.core.rl_module.multi_rl_module import MultiRLModuleSpec  # optional: ray (rllib extra)
    from ray.rllib.core.rl_module.rl_module import RLModuleSpec  # optional: ray (rllib extra)

    # optional: ray, torch (rllib extra), which masked_module imports
    from flowlights.training.masked_module import MaskedDQNTorchRLModule, MaskedPPOTorchRLModule

    module_class = MaskedPPOTorchRLModule if algorithm == "PPO" else MaskedDQNTorchRLModule
    spec = RLModuleSpec(module_class=module_class, model_config=model_config)
    return {"rl_module_spec": MultiRLModuleSpec(rl_module_specs={pid: spec for pid in policies})}


def build_config(
    experiment: Experiment,
    env_name: str,
    probe_env: Any,
    algorithm: str = "PPO",
    num_env_runners: int = 0,
    seed: int = 0,
) -> Any:
    """PPO (default) or DQN on the experiment's env, with its policies and training settings."""
    from ray.rllib.core.rl_module.default_model_config import DefaultModelConfig  # optional: ray (rllib extra)

    # optional: ray (rllib extra), which callbacks imports
    from flowlights.training.callbacks import EpisodeMetricsCallback

    if algorithm not in ALGORITHMS:
        raise ConfigError(f"algorithm {algorithm!r} is not supported; use one of {', '.join(ALGORITHMS)}.")
    if algorithm == "PPO":
        from ray.rllib.algorithms.ppo import PPOConfig as ConfigClass  # optional: ray (rllib extra)
    else:
        from ray.rllib.algorithms.dqn import DQNConfig as ConfigClass  # optional: ray (rllib extra)
    training = dict(PPO_DEFAULTS if algorithm == "PPO" else DQN_DEFAULTS)
    settings = dict(experiment.training)
    model = {k: settings.pop(k) for k in MODEL_KEYS if k in settings}
    reporting = {
        "metrics_num_episodes_for_smoothing": 5,
        **{k: settings.pop(k) for k in REPORTING_KEYS if k in settings},
    }
    settings.pop("algorithm", None)
    training.update(settings)

    if isinstance(experiment.policies, str):
        policies, mapping = policy_setup(experiment.policies, probe_env)
    else:
        policies, mapping = experiment.policies, experiment.policy_mapping_fn
    config = (
        ConfigClass()
        .environment(env_name)
        .framework("torch")
        .env_runners(num_env_runners=num_env_runners, num_envs_per_env_runner=1, rollout_fragment_length="auto")
        .multi_agent(policies=policies, policy_mapping_fn=mapping, policies_to_train=experiment.policies_to_train)
        .rl_module(
            **module_settings(
                probe_env,
                algorithm,
                policies,
                DefaultModelConfig(
                    fcnet_hiddens=model.get("fcnet_hiddens", [64, 64]),
                    fcnet_activation=model.get("fcnet_activation", "tanh"),
                ),
            )
        )
        .callbacks(EpisodeMetricsCallback)
        # a crashed SUMO (SimulationError) or a killed env runner does not stop the run: RLlib re-creates it
        .fault_tolerance(
            restart_failed_env_runners=True,
            restart_failed_sub_environments=True,
            max_num_env_runner_restarts=100,
            delay_between_env_runner_restarts_s=1.0,
        )
        .debugging(log_level="ERROR", seed=seed)
        .reporting(**reporting)
    )
    if algorithm == "PPO" and training.get("minibatch_size", 0) > training["train_batch_size_per_learner"]:
        training["minibatch_size"] = training[
            "train_batch_size_per_learner"
        ]  # a small batch (few rollouts): one minibatch
    try:
        config = config.training(**training)
    except TypeError as exc:
        raise ConfigError(f"training settings for {algorithm}: {exc}.") from exc
    return config
