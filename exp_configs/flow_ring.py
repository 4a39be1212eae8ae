"""Flow's ring road (Wu et al. 2017; Flow's singleagent_ring.py as a multi-agent env): 21 IDM drivers
with noise and one RL vehicle on a ring of 220-270 m (a new length every episode); the RL vehicle
sees its speed, its leader's and the gap, and learns accelerations that damp the stop-and-go waves.

    python examples/flow_ring_demo.py --minutes 20     # trains this, then compares with the all-human ring
"""

from flowlights.controllers import ContinuousRouter, IDMController, RLController
from flowlights.core.params import EnvParams, InitialConfig, NetParams, SumoParams, VehicleParams
from flowlights.envs.multiagent import MultiAgentWaveAttenuationPOEnv
from flowlights.networks import RingNetwork

vehicles = VehicleParams()
vehicles.add(
    veh_id="human",
    acceleration_controller=(IDMController, {"noise": 0.2}),
    routing_controller=(ContinuousRouter, {}),
    num_vehicles=21,
)
vehicles.add(
    veh_id="rl", acceleration_controller=(RLController, {}), routing_controller=(ContinuousRouter, {}), num_vehicles=1
)

flow_params = dict(
    exp_tag="flow_ring",
    env_name=MultiAgentWaveAttenuationPOEnv,
    network=RingNetwork,
    simulator="libsumo",  # one SUMO per env runner process: the fast backend
    sim=SumoParams(sim_step=0.1, render=False),
    env=EnvParams(
        horizon=1500,
        warmup_steps=750,
        sims_per_step=2,
        clip_actions=True,
        additional_params={"max_accel": 1, "max_decel": 1, "ring_length": [220, 270]},
    ),
    net=NetParams(additional_params={"length": 260, "lanes": 1, "speed_limit": 30, "resolution": 40}),
    veh=vehicles,
    initial=InitialConfig(),
)

# one policy for the RL vehicle; Flow's small network, long horizon (decisions every 0.2 s)
training = {
    "lr": 3e-4,
    "gamma": 0.999,
    "lambda_": 0.97,
    "train_batch_size_per_learner": 3000,
    "minibatch_size": 500,
    "num_epochs": 10,
    "fcnet_hiddens": [16, 16],
    "entropy_coeff": 0.0,
}
