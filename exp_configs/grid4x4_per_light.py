"""Bundled 4x4 grid, one policy per light (non-shared), written out Flow-style: the policies,
their mapping and the policies to train are defined here explicitly."""

from flowlights.params import EnvParams, SumoParams
from flowlights.params.experiment import InitialConfig, NetParams, TrafficLightParams, VehicleParams

LIGHTS = [f"{col}{row}" for col in "ABCD" for row in range(4)]

flow_params = dict(
    exp_tag="grid4x4_per_light",
    env_name="TrafficLightEnv",
    network="NetworkFile",
    simulator="libsumo",
    sim=SumoParams(step_length=1.0, end=1800, time_to_teleport=-1),
    env=EnvParams(delta_time=5, observation=["phase", "min_green", "density", "queue"], reward="queue"),
    net=NetParams(scenario="grid4x4"),
    veh=VehicleParams(),
    initial=InitialConfig(),
    tls=TrafficLightParams(yellow=3, all_red=2, min_green=5, max_green=60),
)

policies = set(LIGHTS)  # one policy per light, named after it


def policy_mapping_fn(agent_id, episode=None, **kwargs):
    return agent_id


policies_to_train = list(LIGHTS)

training = dict(lr=5e-4, train_batch_size_per_learner=1800, minibatch_size=300, num_epochs=5, gamma=0.95)
