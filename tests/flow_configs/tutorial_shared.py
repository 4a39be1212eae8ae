"""Flow's tutorial 14, section 2 with 2.1: MultiWaveAttenuationPOEnv on MultiRingNetwork, one shared policy 'av'."""
from flowlights.envs.multiagent import MultiWaveAttenuationPOEnv
from flowlights.networks import MultiRingNetwork
from flowlights.core.params import SumoParams, EnvParams, NetParams, VehicleParams, InitialConfig
from flowlights.controllers import ContinuousRouter, IDMController, RLController

# time horizon of a single rollout
HORIZON = 3000
# Number of rings
NUM_RINGS = 1

vehicles = VehicleParams()
for i in range(NUM_RINGS):
    vehicles.add(
        veh_id='human_{}'.format(i),
        acceleration_controller=(IDMController, {
            'noise': 0.2
        }),
        routing_controller=(ContinuousRouter, {}),
        num_vehicles=21)
    vehicles.add(
        veh_id='rl_{}'.format(i),
        acceleration_controller=(RLController, {}),
        routing_controller=(ContinuousRouter, {}),
        num_vehicles=1)

flow_params = dict(
    # name of the experiment
    exp_tag='multiagent_ring_road',

    # name of the flow environment the experiment is running on
    env_name=MultiWaveAttenuationPOEnv,

    # name of the network class the experiment is running on
    network=MultiRingNetwork,

    # simulator that is used by the experiment
    simulator='traci',

    # sumo-related parameters (see flow.core.params.SumoParams)
    sim=SumoParams(
        sim_step=0.1,
        render=False,
    ),

    # environment related parameters (see flow.core.params.EnvParams)
    env=EnvParams(
        horizon=HORIZON,
        warmup_steps=750,
        additional_params={
            'max_accel': 1,
            'max_decel': 1,
            'ring_length': [230, 230],
            'target_velocity': 4
        },
    ),

    # network-related parameters
    net=NetParams(
        additional_params={
            'length': 230,
            'lanes': 1,
            'speed_limit': 30,
            'resolution': 40,
            'num_rings': NUM_RINGS
        },
    ),

    # vehicles to be placed in the network at the start of a rollout
    veh=vehicles,

    # parameters specifying the positioning of vehicles upon initialization/
    # reset
    initial=InitialConfig(bunching=20.0, spacing='custom'),
)

from flowlights.utils.registry import make_create_env
from ray.tune.registry import register_env

create_env, env_name = make_create_env(params=flow_params, version=0)

# Register as rllib env
register_env(env_name, create_env)

test_env = create_env()
obs_space = test_env.observation_space
act_space = test_env.action_space

from flowlights.compat import PPOTFPolicy


def gen_policy():
    """Generate a policy in RLlib."""
    return PPOTFPolicy, obs_space, act_space, {}


# Setup PG with an ensemble of `num_policies` different policy graphs
POLICY_GRAPHS = {'av': gen_policy()}


def policy_mapping_fn(_):
    """Map a policy in RLlib."""
    return 'av'


POLICIES_TO_TRAIN = ['av']
