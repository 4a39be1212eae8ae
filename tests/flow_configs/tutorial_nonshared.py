"""Flow's tutorial 14, sections 1.2 and 2.2: the user's own NonSharedMultiAgentEnv on a ring, two
policies 'av' and 'adversary' acting on the same RL vehicle (rl_action = av + perturb_weight * adversary)."""
import numpy as np
from gymnasium.spaces import Box

from flowlights.envs.multiagent.base import MultiEnv
from flowlights.core import rewards
from flowlights.networks import RingNetwork
from flowlights.core.params import SumoParams, EnvParams, NetParams, VehicleParams, InitialConfig
from flowlights.controllers import ContinuousRouter, IDMController, RLController


class NonSharedMultiAgentEnv(MultiEnv):
    def observation_space(self):
        return Box(low=-1, high=1, shape=(2 * self.initial_vehicles.num_vehicles,), dtype=np.float32)

    def action_space(self):
        return Box(low=-1, high=1, shape=(self.initial_vehicles.num_rl_vehicles,), dtype=np.float32)

    def _apply_rl_actions(self, rl_actions):
        # the names of all autonomous (RL) vehicles in the network
        agent_ids = [
            veh_id for veh_id in self.sorted_ids
            if veh_id in self.k.vehicle.get_rl_ids()
        ]
        # define different actions for different multi-agents
        av_action = rl_actions['av']
        adv_action = rl_actions['adversary']
        perturb_weight = self.env_params.additional_params['perturb_weight']
        rl_action = av_action + perturb_weight * adv_action

        # use the base environment method to convert actions into accelerations for the rl vehicles
        self.k.vehicle.apply_acceleration(agent_ids, rl_action)

    def get_state(self, **kwargs):
        state = np.array([[
            self.k.vehicle.get_speed(veh_id) / self.k.network.max_speed(),
            self.k.vehicle.get_x_by_id(veh_id) / self.k.network.length()
        ] for veh_id in self.sorted_ids])
        state = np.ndarray.flatten(state)
        return {'av': state, 'adversary': state}

    def compute_reward(self, rl_actions, **kwargs):
        if self.env_params.evaluate:
            reward = np.mean(self.k.vehicle.get_speed(
                self.k.vehicle.get_ids()))
            return {'av': reward, 'adversary': -reward}
        else:
            reward = rewards.desired_velocity(self, fail=kwargs['fail'])
            return {'av': reward, 'adversary': -reward}


HORIZON = 1000

vehicles = VehicleParams()
vehicles.add(veh_id='human', acceleration_controller=(IDMController, {'noise': 0.2}),
             routing_controller=(ContinuousRouter, {}), num_vehicles=21)
vehicles.add(veh_id='rl', acceleration_controller=(RLController, {}),
             routing_controller=(ContinuousRouter, {}), num_vehicles=1)

flow_params = dict(
    exp_tag='nonshared_ring',
    env_name=NonSharedMultiAgentEnv,
    network=RingNetwork,
    simulator='traci',
    sim=SumoParams(sim_step=0.1, render=False),
    env=EnvParams(
        horizon=HORIZON,
        warmup_steps=100,
        additional_params={'target_velocity': 4, 'perturb_weight': 0.03},
    ),
    net=NetParams(additional_params={'length': 230, 'lanes': 1, 'speed_limit': 30, 'resolution': 40}),
    veh=vehicles,
    initial=InitialConfig(bunching=20.0),
)

from flowlights.utils.registry import make_create_env
from ray.tune.registry import register_env

create_env, env_name = make_create_env(params=flow_params, version=0)
register_env(env_name, create_env)
test_env = create_env()
obs_space = test_env.observation_space
act_space = test_env.action_space

from flowlights.compat import PPOTFPolicy


def gen_policy():
    """Generate a policy in RLlib."""
    return PPOTFPolicy, obs_space, act_space, {}


# Setup PG with an ensemble of `num_policies` different policy graphs
POLICY_GRAPHS = {'av': gen_policy(), 'adversary': gen_policy()}


def policy_mapping_fn(agent_id):
    """Map a policy in RLlib."""
    return agent_id
