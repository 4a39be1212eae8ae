"""RESCO grid4x4, one shared PPO policy, event-driven decisions: a light is asked only when it can act
(min green over, transition done), and again every delta_time while it keeps its green
(Python form of resco_grid4x4_event.yaml)."""

from flowlights.params import EnvParams, SumoParams
from flowlights.params.experiment import NetParams

flow_params = dict(
    exp_tag="resco_grid4x4_event",
    env_name="TrafficLightEnv",
    network="NetworkFile",
    simulator="libsumo",
    sim=SumoParams(step_length=1.0, time_to_teleport=-1),
    env=EnvParams(
        delta_time=5, decision="event", observation=["phase", "min_green", "density", "queue"], reward="wait"
    ),
    net=NetParams(scenario="resco:grid4x4"),
)

policies = "shared"

training = dict(lr=5e-4, gamma=0.95, train_batch_size_per_learner=2000, minibatch_size=1000, num_epochs=5)
