"""RESCO grid4x4 under RESCO's own MDP (protocol resco), one PPO policy shared by the 16 lights,
observations and reward on the detection zones (Python form of resco_grid4x4_protocol.yaml)."""

from flowlights.params import EnvParams, SumoParams
from flowlights.params.experiment import NetParams

flow_params = dict(
    exp_tag="resco_grid4x4_protocol",
    env_name="TrafficLightEnv",
    network="NetworkFile",
    simulator="libsumo",
    protocol="resco",
    sim=SumoParams(),
    env=EnvParams(
        observation=["phase", "min_green", "zone_approach", "zone_queue"], reward="zone_queue", pad_observations=True
    ),
    net=NetParams(scenario="resco:grid4x4"),
)

policies = "shared"

training = dict(lr=5e-4, gamma=0.95, train_batch_size_per_learner=2000, minibatch_size=1000, num_epochs=5)
