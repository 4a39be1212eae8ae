"""A final-round style CBEngine_round3 (written for flowlights' tests): custom observations from self.eng —
vehicles on each incoming and outgoing lane, counted from the engine's lane -> vehicles map."""
import citypb  # noqa: F401  - as the competition's files do
from CBEngine_rllib.CBEngine_rllib import CBEngine_rllib as CBEngine_rllib_class


class CBEngine_round3(CBEngine_rllib_class):
    def __init__(self, config):
        super(CBEngine_round3, self).__init__(config)
        self.observation_features = self.gym_dict['observation_features']
        self.custom_observation = self.gym_dict['custom_observation']
        self.observation_dimension = self.gym_dict['observation_dimension']

    def _get_observations(self):
        if not self.custom_observation:
            return super(CBEngine_round3, self)._get_observations()
        lane_vehicles = self.eng.get_lane_vehicles()
        obs = {}
        for agent_id in self.agent_signals:
            counts = []
            for lane in self.intersections[agent_id]['lanes']:
                counts.append(-1 if lane == -1 else len(lane_vehicles.get(lane, [])))
            obs[str(agent_id)] = {'observation': counts}
        return obs
