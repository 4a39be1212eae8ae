"""RESCO grid4x4 (by path: ../shared/scenarios/resco or $FLOWLIGHTS_RESCO), shared policy."""

from flowlights.params import EnvParams, SumoParams
from flowlights.params.experiment import InitialConfig, NetParams, TrafficLightParams, VehicleParams

flow_params = dict(
    exp_tag="resco_grid4x4",
    env_name="TrafficLightEnv",
    network="NetworkFile",
    simulator="libsumo",
    sim=SumoParams(step_length=1.0, time_to_teleport=-1),
    env=EnvParams(delta_time=5, observation=["phase", "min_green", "density", "queue"], reward="queue"),
    net=NetParams(scenario="resco:grid4x4"),
    veh=VehicleParams(),
    initial=InitialConfig(),
    tls=TrafficLightParams(yellow=3, all_red=2, min_green=5, max_green=60),
)

policies = "shared"

training = dict(lr=5e-4, train_batch_size_per_learner=1800, minibatch_size=300, num_epochs=5, gamma=0.95)
