class gym_cfg():
    def __init__(self):
        self.cfg = {'observation_features': ['lane_vehicle_num'], 'observation_dimension': 24,
                    'custom_observation': True}
