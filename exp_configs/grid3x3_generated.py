"""A generated 3x3 grid (GridNetwork via netgenerate) with Flow-style InFlows, shared policy."""

from flowlights.params import EnvParams, SumoParams
from flowlights.params.experiment import InitialConfig, NetParams, TrafficLightParams, VehicleParams

flow_params = dict(
    exp_tag="grid3x3_generated",
    env_name="TrafficLightEnv",
    network="GridNetwork",
    simulator="libsumo",
    sim=SumoParams(step_length=1.0, end=1800, time_to_teleport=-1),
    env=EnvParams(delta_time=5, reward="queue"),
    net=NetParams(additional_params=dict(rows=3, cols=3, length=200, lanes=1, vehs_per_hour=300)),
    veh=VehicleParams().add("DEFAULT_VEHTYPE", accel=2.6, decel=4.5, length=5, maxSpeed=15),
    initial=InitialConfig(warmup=60),
    tls=TrafficLightParams(),
)

policies = "shared"
